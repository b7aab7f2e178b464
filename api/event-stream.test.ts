import { EventEmitter } from "node:events";
import type { FastifyReply } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  contentTypeOf,
  HEARTBEAT_MS,
  KEEP_ALIVE_FRAME,
  openRecordStream,
  recordFrame,
  type StatusSnapshot,
  sseFrame,
  statusFrames,
} from "./event-stream.ts";

async function collect(frames: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

async function* listOf<T>(values: T[]): AsyncGenerator<T> {
  for (const value of values) yield value;
}

const phase = (value: string): StatusSnapshot => ({ state: { phase: value }, end: value === "Done" });

describe("framing", () => {
  it("writes server-sent events with an optional id, and log records as JSON lines or events", () => {
    expect(sseFrame("status", '{"a":1}', 42)).toBe('event: status\nid: 42\ndata: {"a":1}\n\n');
    expect(sseFrame("end", "{}")).toBe("event: end\ndata: {}\n\n");
    const line = { pod: "p", container: "app", time: "", line: "hi" };
    expect(recordFrame(line, "ndjson")).toBe(`${JSON.stringify(line)}\n`);
    expect(recordFrame(line, "sse")).toBe(`event: log\ndata: ${JSON.stringify(line)}\n\n`);
    const broken = { task: "build", pod: "", error: "The log broke off; retry." };
    expect(recordFrame(broken, "sse")).toBe(`event: error\ndata: ${JSON.stringify(broken)}\n\n`);
    expect(contentTypeOf("sse")).toBe("text/event-stream");
    expect(contentTypeOf("ndjson")).toBe("application/x-ndjson");
  });
});

describe("statusFrames", () => {
  afterEach(() => vi.useRealTimers());

  it("sends each change once, stamped with the time it was seen, then end with the final state", async () => {
    let clock = 0;
    async function* reads() {
      for (const [at, value] of [
        [1000, "Pending"],
        [2000, "Pending"],
        [3000, "Running"],
        [4000, "Done"],
        [5000, "Never read"],
      ] as const) {
        clock = at;
        yield value;
      }
    }
    const frames = await collect(statusFrames(reads(), phase, { now: () => clock }));
    expect(frames).toEqual([
      'event: status\nid: 1000\ndata: {"phase":"Pending"}\n\n',
      'event: status\nid: 3000\ndata: {"phase":"Running"}\n\n',
      'event: status\nid: 4000\ndata: {"phase":"Done"}\n\n',
      'event: end\ndata: {"phase":"Done"}\n\n',
    ]);
  });

  it("sends a keep-alive once the state has been quiet for longer than the heartbeat", async () => {
    vi.useFakeTimers({ now: 0 });
    async function* quiet() {
      yield "Running";
      vi.advanceTimersByTime(HEARTBEAT_MS); // exactly the heartbeat: not longer
      yield "Running";
      vi.advanceTimersByTime(1);
      yield "Running";
      vi.advanceTimersByTime(HEARTBEAT_MS);
      yield "Running";
      vi.advanceTimersByTime(1);
      yield "Running";
    }
    const frames = await collect(statusFrames(quiet(), phase));
    expect(frames).toEqual(['event: status\nid: 0\ndata: {"phase":"Running"}\n\n', KEEP_ALIVE_FRAME, KEEP_ALIVE_FRAME]);
  });

  it("ends with gone when the object disappears", async () => {
    const frames = await collect(
      statusFrames(listOf(["Running", "gone"]), (value) =>
        value === "gone" ? { gone: { name: "ci-1", message: "The Run was deleted." } } : phase(value),
      ),
    );
    expect(frames.at(-1)).toBe('event: gone\ndata: {"name":"ci-1","message":"The Run was deleted."}\n\n');
    expect(frames).toHaveLength(2);
  });
});

describe("openRecordStream", () => {
  const replyOf = () => {
    const raw = new EventEmitter();
    return { raw, reply: { raw } as unknown as FastifyReply };
  };

  it("frames records, writes nothing after the end, and aborts its signal when the client leaves", async () => {
    const { raw, reply } = replyOf();
    const stream = openRecordStream(reply, "ndjson");
    const answer = stream.answer();
    expect(answer.contentType).toBe("application/x-ndjson");
    expect(answer.headers).toEqual({ "cache-control": "no-cache", "x-accel-buffering": "no" });
    stream.write({ line: "one" });
    stream.end();
    stream.write({ line: "two" });
    const chunks: string[] = [];
    for await (const chunk of answer.body as AsyncIterable<Buffer>) chunks.push(chunk.toString("utf8"));
    expect(chunks.join("")).toBe('{"line":"one"}\n');

    const other = openRecordStream(replyOf().reply, "sse");
    expect(other.signal.aborted).toBe(false);
    const left = openRecordStream(reply, "sse");
    raw.emit("close");
    expect(left.signal.aborted).toBe(true);
  });
});
