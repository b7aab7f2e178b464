// One live log per followed replica, shared by everyone following it. Without it each follower held its own
// followed stream per replica to the apiserver (and the apiserver one to the kubelet): 500 followers of a 2-replica
// App were 1,000 long-lived streams, and 1,000 reopened at once after an API restart, which timed out under load.
//
// A shared log reads its replica's log once, from a starting time on, and keeps the records it got in a bounded
// buffer. A follower joins it from its own position when the buffer still holds everything from that position on
// (the log "covers" it), is sent what it lacks from the buffer, then each new record as it comes. A follower that
// reads slower than the log grows is sent nothing more until it has caught up (its response's buffer drained), then
// continues from the buffer; one that fell so far behind that the buffer dropped what it needed is told so, and
// reads on by itself from its position (api/app-logs.ts). The shared log closes its stream shortly after its last
// follower left, and ends every follower's replica when the pod is gone.

import type { Readable } from "node:stream";
import { normaliseLogTime } from "../db/task-logs.ts";
import type { KubeAccess } from "../kube/kube-access.ts";
import { openPodLog, PodLogError, type PodLogOptions, type PodLogTarget } from "../kube/pod-log.ts";
import { LogResume } from "./log-cursor.ts";
import { LineSplitter, type LogRecord } from "./log-lines.ts";

/** A record as the shared log keeps it: with its normalised time, for finding a follower's place. */
interface Kept {
  record: LogRecord;
  /** Normalised (string order is time order); "" when the line carried no time. */
  time: string;
}

/**
 * Where a follower starts: a normalised time (its position), "now" (only lines to come), "beginning" (the whole
 * log) or the last `tail` lines.
 */
export type FollowFrom = string | "now" | "beginning" | { tail: number };

/** What a shared log needs from one follower of one replica. */
export interface LogFollower {
  /** Sends one record; false when the follower is behind (nothing more until `whenDrained` calls back). */
  deliver(record: LogRecord): boolean;
  whenDrained(resume: () => void): void;
  /** The pod is gone: this replica's log is over. */
  ended(): void;
  /** The replica's log could not be read (what to tell the follower). */
  failed(message: string): void;
  /** The follower fell behind what the buffer keeps: it must read on by itself from its own position. */
  lost(): void;
}

export interface SharedLogOptions {
  /** Records and bytes of line text each shared log keeps for followers that join late or fall behind. */
  maxRecords?: number;
  maxBytes?: number;
  /** A log created for a follower starts this much before its position, so that followers a little behind it join. */
  leadMs?: number;
  /** How long a shared log stays open after its last follower left (a follower reconnecting finds it). */
  lingerMs?: number;
  /** Reopening a followed log that ended with nothing new: first pause, doubled up to the most. */
  reopenDelayMs?: number;
  reopenMaxDelayMs?: number;
  /** The apiserver's pods/log; replaceable to count the streams opened. */
  open?: typeof openPodLog;
}

/** A followed log read again that ends within this long, with no new line, ended at once. */
export const REOPEN_QUICK_MS = 1000;
/** The pause before reading a followed log again, doubled after each quick end up to the most. */
export const REOPEN_DELAY_MS = 250;
export const REOPEN_MAX_DELAY_MS = 30_000;

/** The time a follower starts from, when it starts from a position (not now, the beginning or a tail). */
const timeOf = (from: FollowFrom): string | undefined =>
  typeof from === "string" && from !== "now" && from !== "beginning" ? from : undefined;

interface Subscriber {
  follower: LogFollower;
  /** Records before this time are not sent ("" when it wants everything from where it joined). */
  from: string;
  /** Sequence number of the next record to send it. */
  next: number;
  /** Waiting for its response's buffer to drain. */
  paused: boolean;
}

class SharedLog {
  private readonly kept: Kept[] = [];
  /** Sequence number of kept[0]. */
  private first = 0;
  private bytes = 0;
  /**
   * Every line with a time after this one (at or after, when `inclusive`) is kept; undefined: none is known to be (a
   * log read from its end, before its first line).
   */
  private coveredFrom: { time: string; inclusive: boolean } | undefined;
  /** Read from the log's beginning and nothing dropped yet: every line of the log is kept. */
  private whole: boolean;
  private readonly subscribers = new Set<Subscriber>();
  /** The shared log's own position: a reopened read passes over the lines it already had. */
  private readonly resume = new LogResume();
  private readonly abort = new AbortController();
  private lingering: NodeJS.Timeout | undefined;
  private quickEnds = 0;
  private done = false;

  private readonly hub: PodLogHub;
  private readonly key: string;
  private readonly target: PodLogTarget;
  /** Where the first read starts: a time, the log's end ("now"), its beginning, or its last lines. */
  private readonly start: FollowFrom;

  constructor(hub: PodLogHub, key: string, target: PodLogTarget, start: FollowFrom) {
    this.hub = hub;
    this.key = key;
    this.target = target;
    this.start = start;
    this.whole = start === "beginning";
    const time = timeOf(start);
    this.coveredFrom = time === undefined ? undefined : { time, inclusive: true };
    this.read(false);
  }

  /** Whether the log keeps everything a follower from `from` needs. */
  covers(from: FollowFrom): boolean {
    if (this.done) return false;
    if (from === "now" || this.whole) return true;
    // The kept lines run without a gap up to the log's end: its last `tail` are the log's last.
    if (typeof from === "object") return this.kept.length >= from.tail;
    if (from === "beginning") return false;
    const covered = this.coveredFrom;
    return covered !== undefined && (from > covered.time || (covered.inclusive && from === covered.time));
  }

  /** Adds a follower from `from` on (which `covers`); returns how to take it off again. */
  join(follower: LogFollower, from: FollowFrom): () => void {
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = undefined;
    // Its first record: the first kept at or after its time (found from the end: followers join near it), the
    // first of its tail, or the first kept.
    let index = this.kept.length;
    if (typeof from === "object") index = Math.max(0, index - from.tail);
    else if (from === "beginning") index = 0;
    else if (from !== "now") while (index > 0 && this.kept[index - 1]!.time >= from) index--;
    const subscriber: Subscriber = {
      follower,
      from: timeOf(from) ?? "",
      next: this.first + index,
      paused: false,
    };
    this.subscribers.add(subscriber);
    this.pump(subscriber);
    return () => this.leave(subscriber);
  }

  close(): void {
    this.done = true;
    this.abort.abort();
    if (this.lingering) clearTimeout(this.lingering);
    this.hub.forget(this.key, this);
  }

  private leave(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0 || this.done) return;
    this.lingering = setTimeout(() => this.close(), this.hub.lingerMs);
    this.lingering.unref();
  }

  /** Sends a follower what it lacks, until it is behind or has everything. */
  private pump(subscriber: Subscriber): void {
    const { follower } = subscriber;
    while (this.subscribers.has(subscriber) && subscriber.next < this.first + this.kept.length) {
      if (subscriber.next < this.first) {
        this.subscribers.delete(subscriber);
        follower.lost();
        return;
      }
      const { record, time } = this.kept[subscriber.next - this.first]!;
      subscriber.next++;
      // Read from before its time (a shared log starts a little early; the kubelet reads from the whole second).
      if (time !== "" && time < subscriber.from) continue;
      const room = follower.deliver(record);
      if (!room) {
        subscriber.paused = true;
        follower.whenDrained(() => {
          subscriber.paused = false;
          this.pump(subscriber);
        });
        return;
      }
    }
  }

  private add(records: LogRecord[]): void {
    for (const record of records) {
      if (!this.resume.accept(record.pod, record.time)) continue;
      const time = normaliseLogTime(record.time) ?? "";
      // Read from its end (or its last lines), the log holds every line after its first one's time (not all of that
      // time's, perhaps).
      if (this.coveredFrom === undefined && time !== "") this.coveredFrom = { time, inclusive: this.whole };
      this.kept.push({ record, time });
      this.bytes += record.line.length;
    }
    // Sent before anything is dropped: a chunk bringing more lines than the buffer keeps must not leave behind
    // followers that were keeping up (only those still waiting to drain fall behind).
    for (const subscriber of [...this.subscribers]) if (!subscriber.paused) this.pump(subscriber);
    while (this.kept.length > 1 && (this.kept.length > this.hub.maxRecords || this.bytes > this.hub.maxBytes)) {
      const dropped = this.kept.shift()!;
      this.first++;
      this.bytes -= dropped.record.line.length;
      // Lines of the dropped one's time may still be kept, but not all of them: only later times are whole.
      this.whole = false;
      if (dropped.time !== "") this.coveredFrom = { time: dropped.time, inclusive: false };
    }
  }

  private end(how: (follower: LogFollower) => void): void {
    const left = [...this.subscribers];
    this.subscribers.clear();
    this.close();
    for (const subscriber of left) how(subscriber.follower);
  }

  private read(reopened: boolean): void {
    const { pod, container } = this.target;
    const splitter = new LineSplitter(pod, container);
    // Read again from its last line; before the first, from where it started (a log read from its end or its last
    // lines that ended before any line: from its end).
    const since = this.resume.sinceTime(pod) ?? timeOf(this.start);
    const { start } = this;
    const options: PodLogOptions = {
      follow: true,
      timestamps: true,
      ...(since !== undefined
        ? { sinceTime: since }
        : start === "beginning"
          ? {}
          : typeof start === "object" && !reopened
            ? { tailLines: start.tail }
            : { tailLines: 0 }),
    };
    const opened = Date.now();
    const before = this.first + this.kept.length;
    this.hub
      .openLog(this.target, options, this.abort.signal)
      .then((stream: Readable) => {
        stream.on("data", (chunk: Buffer) => this.add(splitter.push(chunk.toString("utf8"))));
        stream.on("end", () => {
          if (this.done) return;
          // Cut (by the apiserver, the kubelet, a proxy) or its container stopped and may restart: read again from
          // the last line for as long as the pod exists; reads that end at once with nothing new back off. A line
          // cut in the middle is not kept: read again, it comes whole.
          const nothingNew = this.first + this.kept.length === before && Date.now() - opened < REOPEN_QUICK_MS;
          this.quickEnds = nothingNew ? this.quickEnds + 1 : 0;
          this.resume.rewind(pod);
          const delay = Math.min(this.hub.reopenMaxDelayMs, this.hub.reopenDelayMs * 2 ** this.quickEnds);
          setTimeout(() => {
            if (!this.done) this.read(true);
          }, delay).unref();
        });
      })
      .catch((error: unknown) => {
        if (this.done) return;
        // Read again and gone (the pod was deleted): its log has ended.
        if (reopened && error instanceof PodLogError && error.status === 404) {
          this.end((f) => f.ended());
          return;
        }
        this.hub.onReadError(pod, error);
        const message = reopened
          ? "The log of this replica broke off; retry."
          : "The logs of this replica could not be read; retry.";
        this.end((f) => f.failed(message));
      });
  }
}

/** The shared logs of one API server, by namespace and pod. */
export class PodLogHub {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly leadMs: number;
  readonly lingerMs: number;
  readonly reopenDelayMs: number;
  readonly reopenMaxDelayMs: number;
  /** Streams opened to the apiserver so far (first reads and reads again). */
  opened = 0;
  private readonly logs = new Map<string, SharedLog>();
  private readonly open: typeof openPodLog;
  private readonly kubeConfig: KubeAccess;
  private readonly onError: (pod: string, error: unknown) => void;

  constructor(
    kubeConfig: KubeAccess,
    onError: (pod: string, error: unknown) => void = () => {},
    options: SharedLogOptions = {},
  ) {
    this.kubeConfig = kubeConfig;
    this.onError = onError;
    this.maxRecords = options.maxRecords ?? 5000;
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
    this.leadMs = options.leadMs ?? 10_000;
    this.lingerMs = options.lingerMs ?? 2000;
    this.reopenDelayMs = options.reopenDelayMs ?? REOPEN_DELAY_MS;
    this.reopenMaxDelayMs = options.reopenMaxDelayMs ?? REOPEN_MAX_DELAY_MS;
    this.open = options.open ?? openPodLog;
  }

  /** Shared logs open now. */
  get size(): number {
    return this.logs.size;
  }

  /**
   * Follows a replica's log from `from` on through its shared log, opening one when there is none (from `leadMs`
   * before a follower's time). Undefined when the shared log open for it does not keep what the follower needs: the
   * caller reads the log by itself.
   */
  follow(target: PodLogTarget, from: FollowFrom, follower: LogFollower): (() => void) | undefined {
    const key = `${target.namespace}/${target.pod}/${target.container}`;
    const log = this.logs.get(key);
    if (!log) {
      // Opened for this follower, from where it starts: it joins at once (an empty buffer covers no tail yet, and a
      // shared log nobody joined would never close).
      const time = timeOf(from);
      const start = time === undefined ? from : earlier(time, this.leadMs);
      const opened = new SharedLog(this, key, target, start);
      this.logs.set(key, opened);
      return opened.join(follower, from);
    }
    return log.covers(from) ? log.join(follower, from) : undefined;
  }

  /** Closes every shared log (the server is stopping); their followers' responses end with the server. */
  close(): void {
    for (const log of [...this.logs.values()]) log.close();
  }

  openLog(target: PodLogTarget, options: PodLogOptions, signal: AbortSignal): Promise<Readable> {
    this.opened++;
    return this.open(this.kubeConfig, target, options, signal);
  }

  onReadError(pod: string, error: unknown): void {
    this.onError(pod, error);
  }

  forget(key: string, log: SharedLog): void {
    if (this.logs.get(key) === log) this.logs.delete(key);
  }
}

/** `ms` before a normalised log time, in the same form. */
function earlier(time: string, ms: number): string {
  const at = Date.parse(time);
  return Number.isNaN(at) ? time : (normaliseLogTime(new Date(at - ms).toISOString()) ?? time);
}
