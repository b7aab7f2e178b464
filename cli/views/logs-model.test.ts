import { describe, expect, it } from "vitest";
import {
  emptyLogs,
  type LogLine,
  logsReducer,
  plainLogLine,
  statusLine,
  tableRows,
  visibleLines,
} from "./logs-model.ts";

const line = (n: number, pod = "web-7d9f-a"): LogLine => ({
  time: `2026-11-23T10:00:${String(n).padStart(2, "0")}Z`,
  pod,
  container: "app",
  text: `line ${n}`,
});

describe("logsReducer", () => {
  it("freezes the shown window on pause, counts what arrives, and catches up on resume", () => {
    let state = logsReducer(emptyLogs, { type: "lines", lines: [line(1), line(2), line(3)] });
    state = logsReducer(state, { type: "toggle-pause" });
    state = logsReducer(state, { type: "lines", lines: [line(4), line(5)] });
    expect(visibleLines(state, 10).map((l) => l.text)).toEqual(["line 1", "line 2", "line 3"]);
    expect(statusLine(state, state.lines.length)).toBe(
      "Paused — 2 new lines held. Press p or space to resume, q to quit.",
    );
    state = logsReducer(state, { type: "toggle-pause" });
    expect(visibleLines(state, 2).map((l) => l.text)).toEqual(["line 4", "line 5"]);
    expect(state.unseen).toBe(0);
  });

  it("keeps at most `limit` lines and the frozen window on the same lines when old ones drop", () => {
    let state = logsReducer(emptyLogs, { type: "lines", lines: [line(1), line(2), line(3)] }, 4);
    state = logsReducer(state, { type: "toggle-pause" }, 4);
    state = logsReducer(state, { type: "lines", lines: [line(4), line(5), line(6)] }, 4);
    expect(state.lines.map((l) => l.text)).toEqual(["line 3", "line 4", "line 5", "line 6"]);
    expect(state.dropped).toBe(2);
    expect(visibleLines(state, 10).map((l) => l.text)).toEqual(["line 3"]);
  });
});

describe("formatting", () => {
  it("labels plain lines with pod/container", () => {
    expect(plainLogLine(line(7))).toBe("2026-11-23T10:00:07Z web-7d9f-a/app | line 7");
    expect(plainLogLine({ pod: "p", container: "c", text: "no time" })).toBe("p/c | no time");
  });

  it("builds table rows with aligned columns, cut to the width", () => {
    const { header, rows } = tableRows([line(1), { ...line(2, "worker-1"), text: "x".repeat(100) }], 60);
    expect(header).toBe("TIME      POD         CONTAINER  MESSAGE");
    expect(rows[0]).toBe("10:00:01  web-7d9f-a  app        line 1");
    expect(rows[1]).toHaveLength(60);
    expect(rows[1]!.endsWith("…")).toBe(true);
  });
});
