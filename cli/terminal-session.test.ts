// The local end of a session against a socket that stands in for the API (the API's side is tested against the real
// server in test/api/exec-interactive.test.ts): what reaches the socket, what reaches the screen, and that the
// terminal is put back on every way out.
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { CHANNEL, frame } from "../crds/terminal-protocol.ts";
import type { Io } from "./context.ts";
import { runTerminalSession, type SessionSocket } from "./terminal-session.ts";

class FakeSocket extends EventEmitter implements SessionSocket {
  readyState = 1;
  sent: Buffer[] = [];
  send(data: Buffer) {
    this.sent.push(data);
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.emit("close"));
  }
}

function terminal() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    modes: [] as boolean[],
    setRawMode(raw: boolean) {
      this.isRaw = raw;
      this.modes.push(raw);
    },
  });
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });
  const stderr = new PassThrough();
  let shown = "";
  stdout.on("data", (chunk: Buffer) => {
    shown += chunk.toString();
  });
  return { io: { stdin, stdout, stderr } as unknown as Io, stdin, stdout, shown: () => shown };
}

const signals = () => new EventEmitter() as EventEmitter & NodeJS.Process;

describe("runTerminalSession", () => {
  it("goes raw, sends the size and the keystrokes, shows the output, returns the result and restores the terminal", async () => {
    const t = terminal();
    const socket = new FakeSocket();
    const done = runTerminalSession({ socket, io: t.io, tty: true, signals: signals() });
    expect(t.stdin.isRaw).toBe(true);
    t.stdin.write("ls\r");
    await new Promise((resolve) => setImmediate(resolve));
    socket.emit("message", frame(CHANNEL.stdout, "a.txt\r\n"));
    socket.emit("message", frame(CHANNEL.result, JSON.stringify({ exitCode: 3, pod: "web-1" })));
    socket.close();
    expect(await done).toEqual({ exitCode: 3, pod: "web-1" });
    expect(t.shown()).toBe("a.txt\r\n");
    expect(socket.sent.map((m) => [m[0], m.subarray(1).toString()])).toEqual([
      [CHANNEL.resize, '{"cols":100,"rows":30}'],
      [CHANNEL.stdin, "ls\r"],
    ]);
    expect(t.stdin.modes).toEqual([true, false]);
  });

  it("sends a new size when the terminal is resized", async () => {
    const t = terminal();
    const socket = new FakeSocket();
    const done = runTerminalSession({ socket, io: t.io, tty: true, signals: signals() });
    t.stdout.columns = 80;
    t.stdout.emit("resize");
    socket.close();
    await done;
    expect(socket.sent.at(-1)?.subarray(1).toString()).toBe('{"cols":80,"rows":30}');
  });

  it("puts the terminal back and ends the session on SIGTERM, and on the process exiting", async () => {
    for (const signal of ["SIGTERM", "exit"] as const) {
      const t = terminal();
      const socket = new FakeSocket();
      const source = signals();
      const done = runTerminalSession({ socket, io: t.io, tty: true, signals: source });
      source.emit(signal);
      if (signal === "exit") expect(t.stdin.isRaw, signal).toBe(false);
      else expect(await done, signal).toBeUndefined();
      expect(t.stdin.modes, signal).toEqual([true, false]);
      expect(source.listenerCount("SIGTERM") + source.listenerCount("exit"), signal).toBe(0);
    }
  });

  it("without a TTY leaves the terminal alone, says when stdin ended, and ends on Ctrl-C (SIGINT)", async () => {
    const t = terminal();
    const socket = new FakeSocket();
    const source = signals();
    const done = runTerminalSession({ socket, io: t.io, tty: false, signals: source });
    t.stdin.end("last line\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.sent.map((m) => [...m])).toContainEqual([CHANNEL.close, CHANNEL.stdin]);
    source.emit("SIGINT");
    expect(await done).toBeUndefined();
    expect(t.stdin.modes).toEqual([]);
  });
});
