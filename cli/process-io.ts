// The process's streams as the CLI's Io, without building Node's stream objects when output goes to a pipe or a
// file. `process.stdout` on a pipe is a net.Socket: creating it loads net and the streams machinery, about 4 ms of
// CPU — a tenth of what `loco --help` may cost in all (docs/performance.md). Scripts read loco through pipes, so
// for a pipe or a file, writes go straight to the file descriptor, synchronously (as Node writes to pipes and files
// on Linux anyway). A terminal, /dev/null or anything else gets the real stream. So does any use of a pipe beyond
// write() and isTTY (readline, listeners): the first such use switches to the real stream for good, after what was
// written before it.
import type { Io } from "./context.ts";

type Out = Io["stdout"];

const { fstatSync, writeSync } = process.getBuiltinModule("node:fs");

// A Node parent's 'pipe' stdio is a socket pair, a shell's is a FIFO.
function isPipeOrFile(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket() || stat.isFile();
  } catch {
    return false;
  }
}

function directWriter(fd: number, real: () => Out): Out {
  let direct = true;
  const write = (chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    const done = (typeof encoding === "function" ? encoding : callback) as (() => void) | undefined;
    if (!direct)
      return typeof chunk === "string"
        ? real().write(chunk, encoding as BufferEncoding, done)
        : real().write(chunk, done);
    let bytes = typeof chunk === "string" ? Buffer.from(chunk, (encoding as BufferEncoding) || "utf8") : chunk;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(fd, bytes));
      } catch (error) {
        // A full pipe that another process made non-blocking: the stream queues the rest, and everything after.
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        direct = false;
        return real().write(bytes, done);
      }
    }
    if (done) queueMicrotask(done);
    return true;
  };
  return new Proxy({} as Out, {
    get(_, property) {
      if (property === "write") return write;
      if (property === "isTTY") return false;
      direct = false;
      const stream = real();
      const value = Reflect.get(stream, property, stream);
      return typeof value === "function" ? value.bind(stream) : value;
    },
  });
}

/** The CLI's Io for this process: stdout and stderr written directly when they are pipes or files. */
export function processIo(): Io {
  const stdout = isPipeOrFile(1) ? directWriter(1, () => process.stdout) : undefined;
  const stderr = isPipeOrFile(2) ? directWriter(2, () => process.stderr) : undefined;
  return {
    get stdout() {
      return stdout ?? process.stdout;
    },
    get stderr() {
      return stderr ?? process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
  };
}
