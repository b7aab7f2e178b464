import { describe, expect, it } from "vitest";
import { ApiRequestError, type LogRecord } from "./api-client.ts";
import { followLogs, LogPositionTracker, type LogStream, reopenDelayMs } from "./log-follow.ts";

const line = (pod: string, time: string, text: string): LogRecord => ({ pod, container: "app", time, line: text });

const unreachable = () =>
  new ApiRequestError({ failure: "unreachable", method: "GET", url: "u", requestId: "r", message: "down" });

/** A stream that yields `records`, then ends or breaks off. */
function stream(records: LogRecord[], breaks: boolean): LogStream {
  return {
    records: (async function* () {
      yield* records;
      if (breaks) throw new Error("aborted");
    })(),
    stop() {},
  };
}

async function collect(records: AsyncIterable<LogRecord>): Promise<string[]> {
  const lines: string[] = [];
  for await (const record of records) if (!("error" in record)) lines.push(record.line);
  return lines;
}

describe("LogPositionTracker", () => {
  it("keeps each pod's last time and how many lines had it, in the API's form", () => {
    const tracker = new LogPositionTracker();
    expect(tracker.text()).toBeUndefined();
    for (const r of [
      line("web-1", "t1", "a"),
      line("web-1", "t1", "b"),
      line("web-2", "t1", "c"),
      line("web-1", "t2", "d"),
    ]) {
      tracker.see(r);
    }
    tracker.see({ pod: "web-1", container: "app", error: "broke off" });
    expect(tracker.text()).toBe("web-1~t2~1,web-2~t1~1");
  });
});

describe("followLogs", () => {
  it("reopens a stream that broke off from the position after the last record, and ends with a stream that ends", async () => {
    const afters: (string | undefined)[] = [];
    const answers = [
      stream([line("web-1", "t1", "a"), line("web-1", "t1", "b")], true),
      stream([line("web-1", "t2", "c")], false),
    ];
    let breaks = 0;
    const follow = followLogs(
      async (after) => {
        afters.push(after);
        return answers.shift()!;
      },
      { retryMs: 1, onBreak: () => breaks++ },
    );
    expect(await collect(follow.records)).toEqual(["a", "b", "c"]);
    expect(afters).toEqual([undefined, "web-1~t1~2"]);
    expect(breaks).toBe(1);
  });

  it("keeps trying while the API is unreachable, unavailable or timing out after a break", async () => {
    const down = unreachable();
    const unavailable = new ApiRequestError({
      failure: "problem",
      method: "GET",
      url: "u",
      requestId: "r",
      status: 503,
      message: "unavailable",
    });
    const answers: (LogStream | Error)[] = [
      stream([line("web-1", "t1", "a")], true),
      down,
      unavailable,
      new ApiRequestError({
        failure: "problem",
        method: "GET",
        url: "u",
        requestId: "r",
        status: 504,
        message: "slow",
      }),
      stream([line("web-1", "t2", "b")], false),
    ];
    const follow = followLogs(
      async () => {
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      { retryMs: 1 },
    );
    expect(await collect(follow.records)).toEqual(["a", "b"]);
  });

  it("closes a stream whose open was in flight when the follow was stopped", async () => {
    let closed = false;
    let answer: (value: LogStream) => void = () => {};
    const follow = followLogs(() => new Promise<LogStream>((resolve) => (answer = resolve)));
    const lines = collect(follow.records);
    await new Promise((resolve) => setTimeout(resolve, 5));
    follow.stop();
    answer({
      records: (async function* () {
        yield line("web-1", "t1", "never read");
        await new Promise(() => {});
      })(),
      stop: () => {
        closed = true;
      },
    });
    expect(await lines).toEqual([]);
    expect(closed).toBe(true);
  });

  it("spreads reopens over half to all of a delay that doubles with each failed reopen, up to 16 times", () => {
    expect(reopenDelayMs(1000, 0, () => 0)).toBe(500);
    expect(reopenDelayMs(1000, 0, () => 1)).toBe(1000);
    expect(reopenDelayMs(1000, 2, () => 1)).toBe(4000);
    expect(reopenDelayMs(1000, 9, () => 1)).toBe(16_000);
  });

  it("gives up once the API stayed away longer than its patience, and reports a refusal at once", async () => {
    const down = unreachable();
    let first = true;
    const patient = followLogs(
      async () => {
        if (first) {
          first = false;
          return stream([line("web-1", "t1", "a")], true);
        }
        throw down;
      },
      { retryMs: 5, patienceMs: 30 },
    );
    await expect(collect(patient.records)).rejects.toBe(down);

    const forbidden = new ApiRequestError({
      failure: "problem",
      method: "GET",
      url: "u",
      requestId: "r",
      status: 403,
      message: "no",
    });
    const refused = followLogs(async () => {
      throw forbidden;
    });
    await expect(collect(refused.records)).rejects.toBe(forbidden);
  });
});
