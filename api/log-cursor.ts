// Where a follower of an App's logs is, so that it can come back after a break (an API restart, a dropped
// connection) and get every line it has not seen, once. The position is per pod: the time of the last line sent
// and how many lines of that same time were sent (a container may write several lines within one timestamp). Its
// text form, `pod~time~count` joined by commas, is what a follower sends back (`?after=` or, for server-sent events,
// Last-Event-ID, which is also each event's id); a client that reads ndjson builds it from the records it got.
//
// A pod the position does not name (it started, or wrote its first line, after the break) is read from the newest
// time the position holds, so that it is not replayed from its beginning.
import { normaliseLogTime } from "../db/task-logs.ts";

export interface PodPosition {
  /** RFC 3339, UTC, nine fractional digits: string order is time order. */
  time: string;
  /** Lines of exactly that time already sent. */
  count: number;
}

export type LogPosition = ReadonlyMap<string, PodPosition>;

const ENTRY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)~([0-9T:.+Z-]{20,40})~(\d{1,9})$/;
const MAX_PODS = 1000;

/** Reads a position's text form; a message naming what is wrong when it is not one. */
export function parseLogPosition(text: string): { position: LogPosition } | { error: string } {
  const position = new Map<string, PodPosition>();
  const entries = text === "" ? [] : text.split(",");
  if (entries.length > MAX_PODS) return { error: `names more than ${MAX_PODS} pods` };
  for (const entry of entries) {
    const match = ENTRY.exec(entry);
    const time = match ? normaliseLogTime(match[3]!) : undefined;
    if (!match || !time) {
      return { error: `"${entry.slice(0, 80)}" is not pod~time~count (as an event id or a record's pod and time)` };
    }
    position.set(match[1]!, { time, count: Number(match[4]) });
  }
  return { position };
}

export function formatLogPosition(position: LogPosition): string {
  return [...position].map(([pod, { time, count }]) => `${pod}~${time}~${count}`).join(",");
}

/**
 * Decides, record by record, what a (resumed) follower still needs, and keeps its position. Pure: one instance per
 * stream, fed each pod's lines in the order that pod wrote them.
 */
export class LogResume {
  private readonly positions = new Map<string, PodPosition>();
  /** Lines of a pod's starting time still to pass over (those the follower had). */
  private readonly skip = new Map<string, number>();
  /** Where a pod the starting position does not name is read from. */
  readonly newestTime: string | undefined;

  constructor(start: LogPosition = new Map()) {
    for (const [pod, at] of start) {
      this.positions.set(pod, { ...at });
      this.skip.set(pod, at.count);
    }
    this.newestTime = [...start.values()]
      .map((p) => p.time)
      .sort()
      .at(-1);
  }

  /** Where to start reading a pod's log: its own last time, else the newest known; undefined: from the start. */
  sinceTime(pod: string): string | undefined {
    return this.positions.get(pod)?.time ?? this.newestTime;
  }

  /** Whether the follower still needs this line; if so, the position moves past it. Unstamped lines always pass. */
  accept(pod: string, rawTime: string): boolean {
    const time = normaliseLogTime(rawTime);
    if (!time) return true;
    const at = this.positions.get(pod) ?? (this.newestTime ? { time: this.newestTime, count: 0 } : undefined);
    if (at && time < at.time) return false;
    if (at && time === at.time) {
      const skip = this.skip.get(pod) ?? 0;
      if (skip > 0) {
        this.skip.set(pod, skip - 1);
        return false;
      }
      this.positions.set(pod, { time, count: at.count + 1 });
      return true;
    }
    this.positions.set(pod, { time, count: 1 });
    this.skip.delete(pod);
    return true;
  }

  /**
   * The pod's log is read again from its last time (sinceTime): the lines of that time already sent come again and
   * are passed over.
   */
  rewind(pod: string): void {
    const at = this.positions.get(pod);
    if (at) this.skip.set(pod, at.count);
  }

  position(): LogPosition {
    return this.positions;
  }
}
