import { describe, expect, it } from "vitest";
import { formatRecord, LineSplitter } from "./log-lines.ts";

describe("LineSplitter", () => {
  it("splits chunks into stamped records, keeping partial lines for the next chunk", () => {
    const splitter = new LineSplitter("web-abc", "app");
    expect(splitter.push("2026-11-23T10:00:00.123456789Z hello\n2026-11-23T10:00:01Z wor")).toEqual([
      { pod: "web-abc", container: "app", time: "2026-11-23T10:00:00.123456789Z", line: "hello" },
    ]);
    expect(splitter.push("ld\r\nno stamp\n")).toEqual([
      { pod: "web-abc", container: "app", time: "2026-11-23T10:00:01Z", line: "world" },
      { pod: "web-abc", container: "app", time: "", line: "no stamp" },
    ]);
    expect(splitter.push("2026-11-23T10:00:02Z tail")).toEqual([]);
    expect(splitter.flush()).toEqual([
      { pod: "web-abc", container: "app", time: "2026-11-23T10:00:02Z", line: "tail" },
    ]);
    expect(splitter.flush()).toEqual([]);
  });

  it("formats records as ndjson or server-sent events", () => {
    const record = { pod: "p", container: "app", time: "", line: "x" };
    expect(formatRecord(record, "ndjson")).toBe('{"pod":"p","container":"app","time":"","line":"x"}\n');
    expect(formatRecord({ pod: "p", container: "app", error: "gone" }, "sse")).toBe(
      'event: error\ndata: {"pod":"p","container":"app","error":"gone"}\n\n',
    );
  });
});
