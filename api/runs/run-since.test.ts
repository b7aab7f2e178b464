import { describe, expect, it } from "vitest";
import { runsSince } from "./run-since.ts";

describe("runsSince", () => {
  const now = Date.parse("2026-12-05T12:00:00.000Z");

  it("reads a duration back from now, or an RFC 3339 time", () => {
    expect(runsSince("30m", now).toISOString()).toBe("2026-12-05T11:30:00.000Z");
    expect(runsSince("7d", now).toISOString()).toBe("2026-11-28T12:00:00.000Z");
    expect(runsSince("2026-12-01T00:00:00Z", now).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(runsSince("999999d", now).getTime()).toBe(0);
  });

  it("refuses anything else, naming the field", () => {
    for (const since of ["yesterday", "10w", "2026-13-45T99:00:00Z"]) {
      expect(() => runsSince(since, now)).toThrow(expect.objectContaining({ code: "InvalidRequest" }));
    }
  });
});
