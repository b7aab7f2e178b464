// The local end of `loco exec -it`: the terminal goes raw (keystrokes, Ctrl-C among them, belong to the remote
// command), stdin is forwarded as it comes, window sizes follow the terminal, output is written as it arrives, and
// the result the API sends last is returned. The terminal is put back as it was on every way out — the command's
// end, a broken connection, an error here, SIGTERM/SIGHUP, or the process exiting under us.
import {
  CHANNEL,
  frame,
  parseResult,
  readFrame,
  type TerminalResult,
  type TerminalSize,
} from "../crds/terminal-protocol.ts";
import type { Io } from "./context.ts";

/** The parts of a ws WebSocket a session uses (a fake in unit tests). */
export interface SessionSocket {
  readonly readyState: number;
  send(data: Buffer): void;
  close(code?: number): void;
  on(event: "message", listener: (data: Buffer | ArrayBuffer | Buffer[]) => void): unknown;
  once(event: "close", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
}

type RawStdin = Io["stdin"] & { setRawMode?(raw: boolean): unknown; isRaw?: boolean };
type SizedStdout = Io["stdout"] & { rows?: number };

/** The process signals that end a session from outside; tests pass an emitter of their own. */
export interface SignalSource {
  on(signal: NodeJS.Signals | "exit", listener: () => void): unknown;
  off(signal: NodeJS.Signals | "exit", listener: () => void): unknown;
}

export interface SessionOptions {
  socket: SessionSocket;
  io: Io;
  /** Raw mode and resizes: the remote command runs in a terminal. */
  tty: boolean;
  signals?: SignalSource;
}

const OPEN = 1;

/** The size to send, when stdout is a terminal that knows it. */
export function terminalSize(stdout: SizedStdout): TerminalSize | undefined {
  return stdout.isTTY && stdout.columns && stdout.rows ? { cols: stdout.columns, rows: stdout.rows } : undefined;
}

/** Runs the session to its end; resolves with the API's result, or undefined when the connection ended without one. */
export function runTerminalSession({
  socket,
  io,
  tty,
  signals = process,
}: SessionOptions): Promise<TerminalResult | undefined> {
  const stdin = io.stdin as RawStdin;
  const stdout = io.stdout as SizedStdout;
  const wasRaw = stdin.isRaw === true;
  let result: TerminalResult | undefined;

  const send = (message: Buffer) => {
    if (socket.readyState === OPEN) socket.send(message);
  };
  const onInput = (chunk: Buffer | string) => send(frame(CHANNEL.stdin, chunk));
  const onInputEnd = () => send(frame(CHANNEL.close, Buffer.from([CHANNEL.stdin])));
  const onResize = () => {
    const size = terminalSize(stdout);
    if (size) send(frame(CHANNEL.resize, JSON.stringify(size)));
  };
  const hangUp = () => socket.close();

  /** Everything this session changed, undone; safe to call more than once (the "exit" path calls it too). */
  const restore = () => {
    stdin.off("data", onInput);
    stdin.off("end", onInputEnd);
    stdout.off?.("resize", onResize);
    if (tty && stdin.setRawMode && stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.pause();
    for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) signals.off(signal, hangUp);
    signals.off("exit", restore);
  };

  return new Promise((resolve) => {
    signals.on("exit", restore);
    for (const signal of ["SIGTERM", "SIGHUP"] as const) signals.on(signal, hangUp);
    // Without a terminal Ctrl-C reaches loco, not the command: it ends the session (and so the command).
    if (!tty) signals.on("SIGINT", hangUp);
    try {
      socket.on("message", (data) => {
        const message = readFrame(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
        if (!message) return;
        if (message.channel === CHANNEL.stdout) io.stdout.write(message.data);
        else if (message.channel === CHANNEL.stderr) io.stderr.write(message.data);
        else if (message.channel === CHANNEL.result) result = parseResult(message.data);
      });
      socket.once("error", () => socket.close());
      socket.once("close", () => {
        restore();
        resolve(result);
      });
      if (tty && stdin.setRawMode) stdin.setRawMode(true);
      onResize();
      if (tty) stdout.on?.("resize", onResize);
      stdin.on("data", onInput);
      stdin.on("end", onInputEnd);
      stdin.resume();
    } catch (error) {
      restore();
      socket.close();
      throw error;
    }
  });
}
