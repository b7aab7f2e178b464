import { describe, expect, it } from "vitest";
import type { RunSummary } from "./admission.ts";
import { admissionStep } from "./admission-step.ts";
import type { RunObject } from "./objects.ts";

const run = (cancel = false): RunObject =>
  ({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: "new", namespace: "team" },
    spec: { pipelineRef: { name: "build" }, ...(cancel ? { cancel: true } : {}) },
  }) as unknown as RunObject;
const summary = (name: string, createdAt: string, admitted: boolean): RunSummary => ({
  key: `team/${name}`,
  name,
  pipeline: "build",
  locks: [],
  createdAt,
  admitted,
  finished: false,
});
const self = summary("new", "2026-12-05T10:00:01Z", false);
const older = summary("old", "2026-12-05T10:00:00Z", true);

describe("admissionStep", () => {
  it.each([
    ["cancelled before it started", run(true), [self], "Queue", false, { kind: "End", reason: "UserCancelled" }],
    ["a free slot", run(), [self], "Queue", false, { kind: "Go", stop: undefined }],
    ["no slot, policy Queue", run(), [older, self], "Queue", false, { kind: "Wait" }],
    ["no slot, policy Forbid", run(), [older, self], "Forbid", false, { kind: "End", reason: "ConcurrencyLimited" }],
    ["started and cancelled", run(true), [self], "Queue", true, { kind: "Go", stop: { reason: "UserCancelled" } }],
    ["started, nothing newer", run(), [self], "Replace", true, { kind: "Go", stop: undefined }],
  ] as const)("%s", (_name, r, others, policy, started, expected) => {
    const me = started ? { ...self, admitted: true } : self;
    expect(admissionStep(r, me, others, { limit: 1, policy }, started)).toMatchObject(expected);
  });

  it("stops a started Run that a newer one replaces (policy Replace)", () => {
    const started = { ...older };
    const newer = summary("newer", "2026-12-05T10:00:05Z", false);
    const step = admissionStep(
      { ...run(), metadata: { name: "old", namespace: "team" } } as RunObject,
      started,
      [started, newer],
      { limit: 1, policy: "Replace" },
      true,
    );
    expect(step).toMatchObject({ kind: "Go", stop: { reason: "Replaced" } });
  });
});
