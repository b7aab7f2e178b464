// `loco logs -f` across breaks: when the stream breaks off (the API restarted, a proxy dropped the connection) — not
// when it ends, which means every replica's log ended — it opens the stream again with the position after the last
// record it got (`after`, the API's `pod~time~count` per pod), so the lines written meanwhile arrive once, none
// twice. While the API cannot be reached or answers 503 or 504, it keeps trying for `patienceMs`.
import type { LogRecord } from "./api-client.ts";
import { ApiRequestError } from "./api-client.ts";

export interface LogStream {
  records: AsyncIterable<LogRecord>;
  stop(): void;
}

/** The position after `records`, in the API's form: for each pod, the last time and how many lines had it. */
export class LogPositionTracker {
  private readonly pods = new Map<string, { time: string; count: number }>();

  see(record: LogRecord): void {
    if ("error" in record || !record.time) return;
    const at = this.pods.get(record.pod);
    this.pods.set(
      record.pod,
      at?.time === record.time ? { time: at.time, count: at.count + 1 } : { time: record.time, count: 1 },
    );
  }

  /** Undefined before the first record: a break then simply starts over. */
  text(): string | undefined {
    if (this.pods.size === 0) return undefined;
    return [...this.pods].map(([pod, { time, count }]) => `${pod}~${time}~${count}`).join(",");
  }
}

/** Whether opening the stream again may help: the API was unreachable, timed out (either side) or unavailable. */
function worthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiRequestError)) return true;
  return error.failure === "unreachable" || error.failure === "timeout" || error.status === 503 || error.status === 504;
}

/**
 * How long to wait before reopening: `retryMs`, doubled for each reopen that failed in a row (up to 16×), taken at
 * random between half and all of it. Every follower of an API that restarted breaks at the same moment; without the
 * spread they would all come back together, again and again, on a server that is still starting.
 */
export function reopenDelayMs(retryMs: number, failedOpens: number, random: () => number = Math.random): number {
  const ceiling = retryMs * 2 ** Math.min(failedOpens, 4);
  return Math.round(ceiling * (0.5 + random() / 2));
}

export function followLogs(
  open: (after: string | undefined) => Promise<LogStream>,
  options: { patienceMs?: number; retryMs?: number; onBreak?: (attempt: number) => void } = {},
): LogStream {
  const patienceMs = options.patienceMs ?? 120_000;
  const retryMs = options.retryMs ?? 1000;
  const tracker = new LogPositionTracker();
  let current: LogStream | undefined;
  let stopped = false;
  async function* records(): AsyncGenerator<LogRecord> {
    let brokeAt: number | undefined;
    let failedOpens = 0;
    for (let attempt = 0; !stopped; attempt++) {
      try {
        current = await open(tracker.text());
        failedOpens = 0;
        // Stopped while that open was in flight: nobody will read it, and nobody else will close it.
        if (stopped) {
          current.stop();
          return;
        }
      } catch (error) {
        // The first open's failure is the caller's to report; a reopen's is retried within the patience.
        if (brokeAt === undefined || !worthRetrying(error) || Date.now() - brokeAt > patienceMs) throw error;
        failedOpens++;
        await new Promise((resolve) => setTimeout(resolve, reopenDelayMs(retryMs, failedOpens)));
        continue;
      }
      try {
        for await (const record of current.records) {
          tracker.see(record);
          brokeAt = undefined;
          yield record;
        }
        return;
      } catch (error) {
        if (stopped) return;
        brokeAt ??= Date.now();
        if (Date.now() - brokeAt > patienceMs) throw error;
        options.onBreak?.(attempt + 1);
        await new Promise((resolve) => setTimeout(resolve, reopenDelayMs(retryMs, 0)));
      }
    }
  }
  return {
    records: records(),
    stop() {
      stopped = true;
      current?.stop();
    },
  };
}
