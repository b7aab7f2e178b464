import { describe, expect, it } from "vitest";
import { formatStatuses } from "./status.ts";

describe("formatStatuses", () => {
  it("lines up one row per component under a header, with the reason a component is down", () => {
    const table = formatStatuses([
      { name: "etcd", pid: 12, url: "http://127.0.0.1:2379", healthy: true, health: "healthy" },
      { name: "kwok", pid: 3456, url: "https://127.0.0.1:10250", healthy: false, health: "process 3456 has exited" },
    ]);
    expect(table.split("\n")).toEqual([
      "COMPONENT  PID   URL                      HEALTH",
      "etcd       12    http://127.0.0.1:2379    healthy",
      "kwok       3456  https://127.0.0.1:10250  process 3456 has exited",
    ]);
  });
});
