import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it } from "vitest";
import type { RunWatchState } from "./run-model.ts";
import { RunWatchView } from "./run-view.ts";

const t0 = Date.parse("2026-11-23T10:00:00Z");
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

const running: RunWatchState = {
  run: "ci-m3x9k2ab",
  pipeline: "ci",
  profile: "dev",
  phase: "Running",
  reason: "Running",
  message: null,
  startTime: at(0),
  completionTime: null,
  nowMs: t0 + 12_000,
  tasks: [
    { name: "build", state: "Succeeded", startTime: at(0), completionTime: at(4), exitCode: 0, reason: "Completed" },
    { name: "test", state: "Running", startTime: at(4), attempts: 1, dependsOn: ["build"] },
    { name: "lint", state: "Running", startTime: at(5), attempts: 1, dependsOn: ["build"] },
    { name: "deploy", state: "Pending", dependsOn: ["test", "lint"] },
  ],
  logs: { test: ["ok 1 - parses", "ok 2 - renders", "ok 3 - exits"], lint: ["checked 120 files"], build: ["old"] },
};

const frame = (text: string | undefined) => stripVTControlCharacters(text ?? "");

describe("RunWatchView", () => {
  it("draws the task tree with states, durations and the last log lines of running tasks", () => {
    const view = render(h(RunWatchView, { state: running, frame: 2 }));
    expect(frame(view.lastFrame())).toBe(
      [
        "Run ci-m3x9k2ab of pipeline ci (dev)",
        "⠹ Running — 1/4 tasks done, 2 running (12s)",
        "  ✓ build  Succeeded  4s",
        "    ● test  Running  8s  (after build)",
        "      │ ok 1 - parses",
        "      │ ok 2 - renders",
        "      │ ok 3 - exits",
        "    ● lint  Running  7s  (after build)",
        "      │ checked 120 files",
        "      ○ deploy  Pending  (after test, lint)",
      ].join("\n"),
    );
    view.unmount();
  });

  it("ends with the failing task named, without a spinner", () => {
    const failed: RunWatchState = {
      ...running,
      phase: "Failed",
      reason: "TaskFailed",
      completionTime: at(20),
      nowMs: t0 + 21_000,
      tasks: [
        running.tasks[0]!,
        {
          name: "test",
          state: "Failed",
          startTime: at(4),
          completionTime: at(19),
          exitCode: 3,
          reason: "AbnormalExit",
          dependsOn: ["build"],
        },
        {
          name: "lint",
          state: "Succeeded",
          startTime: at(5),
          completionTime: at(9),
          exitCode: 0,
          dependsOn: ["build"],
        },
        { name: "deploy", state: "Skipped", reason: "DependencyFailed", dependsOn: ["test", "lint"] },
      ],
    };
    const view = render(h(RunWatchView, { state: failed, frame: 2 }));
    const lines = frame(view.lastFrame()).split("\n");
    // Wrapped at the terminal's width (100 columns here), never cut.
    expect(lines.slice(-2).join(" ")).toBe(
      "✗ Run ci-m3x9k2ab of pipeline ci (dev) failed after 20s: task test failed (AbnormalExit, exit code 3)",
    );
    expect(lines).toContain("    ✗ test  Failed, AbnormalExit, exit code 3  15s  (after build)");
    expect(lines).toContain("      – deploy  Skipped, DependencyFailed  (after test, lint)");
    // The failed task keeps its last lines on screen; the one that succeeded (lint) does not.
    const test = lines.indexOf("    ✗ test  Failed, AbnormalExit, exit code 3  15s  (after build)");
    expect(lines.slice(test + 1, test + 4)).toEqual([
      "      │ ok 1 - parses",
      "      │ ok 2 - renders",
      "      │ ok 3 - exits",
    ]);
    expect(lines.join("\n")).not.toContain("checked 120 files");
    expect(lines.join("\n")).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    view.unmount();
  });
});
