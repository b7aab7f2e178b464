import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it } from "vitest";
import type { LogLine } from "./logs-model.ts";
import { LogsScreen } from "./logs-view.ts";

const line = (n: number, pod: string): LogLine => ({
  time: `2026-11-23T10:00:0${n}Z`,
  pod,
  container: "app",
  text: `line ${n}`,
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
const text = (frame: string | undefined) => stripVTControlCharacters(frame ?? "");

describe("LogsScreen", () => {
  it("shows lines labelled by pod and container, freezes on p and resumes on space", async () => {
    let push: (lines: readonly LogLine[]) => void = () => {};
    const subscribe = (listener: typeof push) => {
      push = listener;
      return () => {};
    };
    const view = render(h(LogsScreen, { subscribe, height: 3, width: 80 }));
    await tick();
    push([line(1, "web-a"), line(2, "web-b")]);
    await tick();
    expect(text(view.lastFrame()).split("\n")).toEqual([
      "TIME      POD    CONTAINER  MESSAGE",
      "10:00:01  web-a  app        line 1",
      "10:00:02  web-b  app        line 2",
      "Following 2 lines. Press p or space to pause, q to quit.",
    ]);

    view.stdin.write("p");
    await tick();
    push([line(3, "web-a"), line(4, "web-a")]);
    await tick();
    const paused = text(view.lastFrame());
    expect(paused).not.toContain("line 3");
    expect(paused).toContain("Paused — 2 new lines held.");

    view.stdin.write(" ");
    await tick();
    const resumed = text(view.lastFrame()).split("\n");
    expect(resumed.slice(1, 4).map((r) => r.split("  ").at(-1))).toEqual(["line 2", "line 3", "line 4"]);
    view.unmount();
  });
});
