// Streams for driving runCli in tests: stdout/stderr collected as text, stdin from a string.
import { PassThrough, Readable } from "node:stream";
import type { Io } from "./context.ts";

export interface TestIo extends Io {
  out(): string;
  err(): string;
}

export function testIo(stdin = "", tty = false): TestIo {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty });
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    stdout,
    stderr,
    stdin: Object.assign(Readable.from([stdin]), { isTTY: false }),
    out: () => out,
    err: () => err,
  };
}
