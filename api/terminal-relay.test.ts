// The relay between a client's socket and a pod's session, with both ends standing in (the whole path runs against
// the real apiserver and kwok in test/api/exec-interactive.test.ts): order, refusals and the last word.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { CHANNEL, frame, parseResult } from "../crds/terminal-protocol.ts";
import type { PodExecOutput, PodExecResult } from "../kube/exec-protocol.ts";
import type { PodTerminal } from "../kube/pod-terminal.ts";
import { relayTerminal } from "./terminal-relay.ts";

class FakeClient extends EventEmitter {
  readyState = 1;
  bufferedAmount = 0;
  sent: Buffer[] = [];
  closedWith: number | undefined;
  send(data: Buffer) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  result() {
    const last = this.sent.at(-1)!;
    return last[0] === CHANNEL.result ? parseResult(last.subarray(1)) : undefined;
  }
}

function fakeTerminal() {
  let finish: (result: PodExecResult) => void = () => {};
  const calls: string[] = [];
  const terminal: PodTerminal = {
    write: (chunk) => calls.push(`stdin:${chunk}`),
    resize: ({ cols, rows }) => calls.push(`resize:${cols}x${rows}`),
    endInput: () => calls.push("end"),
    buffered: 0,
    pause: () => calls.push("pause"),
    resume: () => calls.push("resume"),
    close: () => {
      calls.push("close");
      finish({ exitCode: null, message: "closed" });
    },
    done: new Promise((resolve) => {
      finish = resolve;
    }),
  };
  return { terminal, calls, finish: (result: PodExecResult) => finish(result) };
}

const signal = () => new AbortController().signal;

describe("relayTerminal", () => {
  it("hands over what the client sent before the pod's end was open, in order, then the output and the result", async () => {
    const client = new FakeClient();
    const pod = fakeTerminal();
    let output: PodExecOutput | undefined;
    let opened: (t: PodTerminal) => void = () => {};
    const relay = relayTerminal(
      client as unknown as WebSocket,
      (out) => {
        output = out;
        return new Promise((resolve) => {
          opened = resolve;
        });
      },
      { pod: "web-1", signal: signal() },
    );
    client.emit("message", frame(CHANNEL.resize, '{"cols":90,"rows":20}'));
    client.emit("message", frame(CHANNEL.stdin, "ls\n"));
    client.emit("message", frame(CHANNEL.close, Buffer.from([CHANNEL.stdin])));
    opened(pod.terminal);
    await new Promise((resolve) => setImmediate(resolve));
    output!.stdout(Buffer.from("a.txt\n"));
    pod.finish({ exitCode: 3, message: "command terminated with exit status 3" });
    expect(await relay).toEqual({ exitCode: 3, pod: "web-1", message: "command terminated with exit status 3" });
    expect(pod.calls).toEqual(["resize:90x20", "stdin:ls\n", "end"]);
    expect(client.sent[0]).toEqual(frame(CHANNEL.stdout, "a.txt\n"));
    expect(client.result()).toEqual({ exitCode: 3, pod: "web-1", message: "command terminated with exit status 3" });
    expect(client.closedWith).toBe(1000);
  });

  it("ends the session when the client sends a channel it may not (stdout, say), and says why", async () => {
    const client = new FakeClient();
    const pod = fakeTerminal();
    const relay = relayTerminal(client as unknown as WebSocket, async () => pod.terminal, {
      pod: "web-1",
      signal: signal(),
    });
    await new Promise((resolve) => setImmediate(resolve));
    client.emit("message", frame(CHANNEL.stdout, "forged"));
    const result = await relay;
    expect(result.exitCode).toBeNull();
    expect(result.message).toContain("channel 1 is not one a client may send");
    expect(client.closedWith).toBe(1008);
  });

  it("tells the client when the pod's end could not be opened, without the apiserver's words", async () => {
    const client = new FakeClient();
    const failures: unknown[] = [];
    const result = await relayTerminal(
      client as unknown as WebSocket,
      async () => {
        throw new Error("pods/exec is forbidden for system:serviceaccount:loco:loco-api");
      },
      { pod: "web-1", signal: signal(), onOpenFailed: (error) => failures.push(error) },
    );
    expect(result.exitCode).toBeNull();
    expect(client.result()?.message).toContain("could not be started in the replica");
    expect(JSON.stringify(client.sent.map(String))).not.toContain("serviceaccount");
    expect(failures).toHaveLength(1);
    expect(client.closedWith).toBe(1011);
  });

  it("holds the pod's output back while the client's queue is long, and lets it go once it drains", async () => {
    const client = new FakeClient();
    const pod = fakeTerminal();
    let output: PodExecOutput | undefined;
    const relay = relayTerminal(
      client as unknown as WebSocket,
      async (out) => {
        output = out;
        return pod.terminal;
      },
      { pod: "web-1", signal: signal() },
    );
    await new Promise((resolve) => setImmediate(resolve));
    client.bufferedAmount = 2 * 1024 * 1024;
    output!.stdout(Buffer.from("lots"));
    expect(pod.calls).toEqual(["pause"]);
    client.bufferedAmount = 0;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(pod.calls).toEqual(["pause", "resume"]);
    pod.finish({ exitCode: 0 });
    await relay;
  });
});
