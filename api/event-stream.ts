// Every long-lived answer of the API goes through here: the progress events of a deployment or a Run, and log
// follows of an App or a Run. One framing (server-sent events or ndjson), one heartbeat, one way to learn that the
// client left, one lifetime cap and one shared poller, so the wire format the CLI parses is written in one place.
//
// The rest of a stream's life is the server's (api/server.ts): the preflight takes a stream slot that the response's
// "close" gives back, and the headers are flushed as soon as the body is piped in, before the first event.
import { PassThrough, Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import type { HandlerResult } from "./route.ts";
import type { SharedPoll } from "./shared-poll.ts";

export type StreamFormat = "ndjson" | "sse";

/** A quiet status stream sends a comment this often, so that proxies and clients see it is alive. */
export const HEARTBEAT_MS = 15_000;
/** The longest a status stream stays open; a client that still cares reconnects. */
export const STREAM_LIFETIME_MS = 30 * 60_000;
export const KEEP_ALIVE_FRAME = ": keep-alive\n\n";

/** One server-sent event. */
export function sseFrame(event: string, data: string, id?: number | string): string {
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`;
}

/**
 * A log record as one frame: a JSON line, or an event `log` (`error` when the record carries one) with `id` as its
 * event id (a follower's position, which EventSource sends back as Last-Event-ID when it reconnects).
 */
export function recordFrame(record: object, format: StreamFormat, id?: string): string {
  const json = JSON.stringify(record);
  return format === "ndjson" ? `${json}\n` : sseFrame("error" in record ? "error" : "log", json, id);
}

export const contentTypeOf = (format: StreamFormat) =>
  format === "sse" ? "text/event-stream" : "application/x-ndjson";

/** The handler's answer for a stream: never cached, never buffered by a proxy. */
export function streamAnswer(body: Readable, format: StreamFormat): HandlerResult {
  return {
    contentType: contentTypeOf(format),
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" },
    body,
  };
}

/**
 * Aborts when the client has gone: on the response's "close" (sent in full, or the connection dropped) — not the
 * request's, which may come as soon as its body was read.
 */
export function hangUpSignal(reply: FastifyReply): AbortSignal {
  const hangUp = new AbortController();
  reply.raw.once("close", () => hangUp.abort());
  return hangUp.signal;
}

/** What one read of a followed object says: it is gone (the stream ends), or its state and whether it is final. */
export type StatusSnapshot = { gone: unknown } | { state: unknown; end: boolean };

/**
 * Pure framing of a status stream: an event `status` each time the state changes, a keep-alive comment after
 * `heartbeatMs` without one, and `end` (with the final state) or `gone` as the last event.
 */
export async function* statusFrames<T>(
  values: AsyncIterable<T>,
  snapshot: (value: T) => StatusSnapshot,
  options: { heartbeatMs?: number; now?: () => number } = {},
): AsyncGenerator<string> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const now = options.now ?? Date.now;
  let last = "";
  let quietSince = now();
  for await (const value of values) {
    const seen = snapshot(value);
    if ("gone" in seen) {
      yield sseFrame("gone", JSON.stringify(seen.gone));
      return;
    }
    const text = JSON.stringify(seen.state);
    if (text !== last) {
      yield sseFrame("status", text, now());
      last = text;
      quietSince = now();
    } else if (now() - quietSince > heartbeatMs) {
      yield KEEP_ALIVE_FRAME;
      quietSince = now();
    }
    if (seen.end) {
      yield sseFrame("end", text);
      return;
    }
  }
}

/**
 * Follows one object as server-sent events until it is final, gone, the client leaves or the lifetime is over.
 * Every follower of `key` shares one `read` per tick (api/shared-poll.ts): the key is built after the preflight and
 * names the tenant, so no follower ever sees another tenant's object.
 */
export function followStatus<T>(options: {
  reply: FastifyReply;
  polls: SharedPoll;
  key: string;
  read: () => Promise<T>;
  snapshot: (value: T) => StatusSnapshot;
}): HandlerResult {
  const { reply, polls, key, read, snapshot } = options;
  const hangUp = hangUpSignal(reply);
  async function* frames() {
    const deadline = AbortSignal.any([hangUp, AbortSignal.timeout(STREAM_LIFETIME_MS)]);
    yield* statusFrames(polls.follow(key, read, deadline), snapshot);
  }
  return streamAnswer(Readable.from(frames()), "sse");
}

/** A stream of log records written as they come; `signal` aborts when the client leaves or the stream has ended. */
export interface RecordStream {
  signal: AbortSignal;
  /**
   * `id`: the event id of a server-sent event (ignored in ndjson). False when the client is behind (its buffer is
   * full): the writer should pause its source until `whenDrained` calls back, so a slow client holds a bounded buffer.
   */
  write(record: object, id?: string): boolean;
  whenDrained(resume: () => void): void;
  end(): void;
  answer(): HandlerResult;
}

export function openRecordStream(reply: FastifyReply, format: StreamFormat): RecordStream {
  const out = new PassThrough();
  const done = new AbortController();
  reply.raw.once("close", () => done.abort());
  out.once("close", () => done.abort());
  return {
    signal: done.signal,
    write(record, id) {
      if (out.writableEnded) return true;
      return out.write(recordFrame(record, format, id));
    },
    whenDrained(resume) {
      out.once("drain", resume);
    },
    end() {
      if (!out.writableEnded) out.end();
    },
    answer: () => streamAnswer(out, format),
  };
}
