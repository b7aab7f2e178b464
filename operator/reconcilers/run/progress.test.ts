import { describe, expect, it } from "vitest";
import { type JobObservation, planRun, type RunPlanInput, type RunTask } from "./progress.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const dag: RunTask[] = [
  { name: "checkout", image: "busybox", timeout: "1h", retries: 0 },
  { name: "test", image: "busybox", timeout: "1h", retries: 0, dependsOn: { checkout: "Success" } },
  { name: "publish", image: "busybox", timeout: "1h", retries: 0, dependsOn: { test: "Success" } },
  { name: "report", image: "busybox", timeout: "1h", retries: 0, dependsOn: { test: "Failure" } },
  { name: "cleanup", image: "busybox", timeout: "1h", retries: 0, dependsOn: { publish: "Any", report: "Any" } },
];

function input(overrides: Partial<RunPlanInput>): RunPlanInput {
  return {
    tasks: dag,
    previous: undefined,
    jobs: new Map(),
    nowMs: T0,
    startMs: T0,
    runTimeoutMs: undefined,
    stop: undefined,
    retryDelayMs: (attempt) => 1000 * 2 ** (attempt - 1),
    jobName: (task, attempt) => `r-${task}-${attempt}`,
    ...overrides,
  };
}

const job = (name: string, state: JobObservation["state"], extra: Partial<JobObservation> = {}): JobObservation => ({
  name,
  createdMs: T0,
  state,
  ...extra,
});

/** Feeds each plan back as the previous status, with the given Job outcomes, until nothing changes. */
function drive(tasks: RunTask[], outcome: (job: string) => JobObservation["state"], nowMs = T0 + 1000) {
  let plan = planRun(input({ tasks }));
  const jobs = new Map<string, JobObservation>();
  for (let i = 0; i < 20 && !plan.outcome; i++) {
    for (const start of plan.start)
      jobs.set(
        start.job,
        job(start.job, outcome(start.job), { exitCode: outcome(start.job) === "Failed" ? 3 : 0, finishedMs: nowMs }),
      );
    plan = planRun(input({ tasks, previous: plan.tasks, jobs, nowMs }));
  }
  return plan;
}

describe("planRun", () => {
  it("starts only the tasks without dependencies first", () => {
    const plan = planRun(input({}));
    expect(plan.start.map((s) => s.job)).toEqual(["r-checkout-1"]);
    expect(plan.tasks.find((t) => t.name === "checkout")).toMatchObject({
      state: "Running",
      attempts: 1,
      startTime: iso(T0),
    });
    expect(plan.tasks.find((t) => t.name === "test")).toMatchObject({
      state: "Pending",
      message: "Waiting for checkout.",
    });
    expect(plan.outcome).toBeUndefined();
    expect(plan.wakeAtMs).toBe(T0 + 3_600_000);
  });

  it("follows the failure branch, skips what needed success and joins on Any", () => {
    const plan = drive(dag, (j) => (j.startsWith("r-test") ? "Failed" : "Succeeded"));
    const states = Object.fromEntries(plan.tasks.map((t) => [t.name, t.state]));
    expect(states).toEqual({
      checkout: "Succeeded",
      test: "Failed",
      publish: "Skipped",
      report: "Succeeded",
      cleanup: "Succeeded",
    });
    expect(plan.tasks.find((t) => t.name === "publish")).toMatchObject({ reason: "DependencyFailed" });
    expect(plan.tasks.find((t) => t.name === "test")).toMatchObject({ exitCode: 3, reason: "AbnormalExit" });
    expect(plan.outcome).toMatchObject({ status: "False", reason: "TaskFailed" });
  });

  it("succeeds when every task that ran succeeded", () => {
    const plan = drive(dag, () => "Succeeded");
    expect(plan.tasks.find((t) => t.name === "report")).toMatchObject({ state: "Skipped" });
    expect(plan.outcome).toMatchObject({ status: "True", reason: "Completed" });
  });

  it("retries a failed attempt after the backoff, with a new Job", () => {
    const tasks: RunTask[] = [{ name: "flaky", image: "busybox", timeout: "1h", retries: 1 }];
    const first = planRun(input({ tasks }));
    const failed = planRun(
      input({
        tasks,
        previous: first.tasks,
        jobs: new Map([["r-flaky-1", job("r-flaky-1", "Failed", { exitCode: 1, finishedMs: T0 + 500 })]]),
        nowMs: T0 + 600,
      }),
    );
    expect(failed.tasks[0]).toMatchObject({ state: "Running", exitCode: 1, nextAttemptTime: iso(T0 + 1600) });
    expect(failed.start).toEqual([]);
    expect(failed.wakeAtMs).toBe(T0 + 1600);
    const early = planRun(input({ tasks, previous: failed.tasks, nowMs: T0 + 1000 }));
    expect(early.start).toEqual([]);
    const retried = planRun(input({ tasks, previous: failed.tasks, nowMs: T0 + 1600 }));
    expect(retried.start.map((s) => s.job)).toEqual(["r-flaky-2"]);
    expect(retried.tasks[0]).toMatchObject({ state: "Running", attempts: 2, job: "r-flaky-2" });
    expect(retried.tasks[0]?.nextAttemptTime).toBeUndefined();
  });

  it("times out an attempt that runs too long", () => {
    const tasks: RunTask[] = [{ name: "slow", image: "busybox", timeout: "10s", retries: 0 }];
    const first = planRun(input({ tasks }));
    const jobs = new Map([["r-slow-1", job("r-slow-1", "Active")]]);
    expect(planRun(input({ tasks, previous: first.tasks, jobs, nowMs: T0 + 9000 })).wakeAtMs).toBe(T0 + 10_000);
    const late = planRun(input({ tasks, previous: first.tasks, jobs, nowMs: T0 + 10_000 }));
    expect(late.tasks[0]).toMatchObject({ state: "Failed", reason: "TimedOut" });
    expect(late.outcome).toMatchObject({ status: "False", reason: "TaskFailed" });
  });

  it("maps a Job that hit its deadline to TimedOut", () => {
    const tasks: RunTask[] = [{ name: "slow", image: "busybox", timeout: "10s", retries: 0 }];
    const first = planRun(input({ tasks }));
    const jobs = new Map([["r-slow-1", job("r-slow-1", "Failed", { failureReason: "DeadlineExceeded" })]]);
    expect(planRun(input({ tasks, previous: first.tasks, jobs })).tasks[0]).toMatchObject({ reason: "TimedOut" });
  });

  it("ends everything on the global timeout", () => {
    const first = planRun(input({ runTimeoutMs: 60_000 }));
    expect(first.wakeAtMs).toBe(T0 + 60_000);
    const jobs = new Map([["r-checkout-1", job("r-checkout-1", "Active")]]);
    const late = planRun(input({ runTimeoutMs: 60_000, previous: first.tasks, jobs, nowMs: T0 + 60_000 }));
    expect(late.outcome).toMatchObject({ status: "False", reason: "TimedOut" });
    expect(late.tasks.find((t) => t.name === "checkout")).toMatchObject({ state: "Failed", reason: "TimedOut" });
    expect(late.tasks.find((t) => t.name === "test")).toMatchObject({ state: "Skipped", reason: "TimedOut" });
  });

  it("cancels running and pending tasks", () => {
    const first = planRun(input({}));
    const jobs = new Map([["r-checkout-1", job("r-checkout-1", "Active")]]);
    const stop = { reason: "UserCancelled" as const, message: "The Run was cancelled." };
    const plan = planRun(input({ previous: first.tasks, jobs, stop, nowMs: T0 + 5 }));
    expect(plan.outcome).toMatchObject({ status: "False", reason: "UserCancelled" });
    expect(new Set(plan.tasks.map((t) => t.state))).toEqual(new Set(["Cancelled"]));
    expect(plan.start).toEqual([]);
  });

  it("fails an attempt whose Job disappeared", () => {
    const tasks: RunTask[] = [{ name: "gone", image: "busybox", timeout: "1h", retries: 0 }];
    const first = planRun(input({ tasks }));
    expect(planRun(input({ tasks, previous: first.tasks })).tasks[0]).toMatchObject({
      state: "Failed",
      reason: "AbnormalExit",
    });
  });

  it("is deterministic and idempotent: the same inputs give the same plan", () => {
    const a = planRun(input({}));
    const b = planRun(input({}));
    expect(a).toEqual(b);
    const jobs = new Map([["r-checkout-1", job("r-checkout-1", "Active")]]);
    const again = planRun(input({ previous: a.tasks, jobs, nowMs: T0 + 10 }));
    expect(again.tasks).toEqual(a.tasks);
    expect(again.start).toEqual([]);
  });
});

describe("a rerun (spec.reuse)", () => {
  it("does not start reused tasks, marks them reused from the earlier run, and lets their dependants start", () => {
    const plan = planRun(input({ reuse: { run: "ci-abc", tasks: new Set(["checkout"]) } }));
    expect(plan.start.map((s) => s.task.name)).toEqual(["test"]);
    expect(plan.tasks.find((t) => t.name === "checkout")).toEqual({
      name: "checkout",
      state: "Skipped",
      exitCode: 0,
      reason: "Reused",
      message: "Skipped (reused from run ci-abc): it succeeded there and is not run again.",
    });
  });

  it("succeeds when the tasks it ran succeed, saying how many were reused", () => {
    let plan = planRun(input({ reuse: { run: "ci-abc", tasks: new Set(["checkout", "test"]) } }));
    expect(plan.start.map((s) => s.task.name)).toEqual(["publish"]);
    plan = planRun(
      input({
        previous: plan.tasks,
        reuse: { run: "ci-abc", tasks: new Set(["checkout", "test"]) },
        jobs: new Map([["r-publish-1", job("r-publish-1", "Succeeded", { exitCode: 0, finishedMs: T0 })]]),
      }),
    );
    // report needs test to fail: a reused success skips it; cleanup takes any outcome.
    expect(plan.tasks.find((t) => t.name === "report")?.reason).toBe("DependencyFailed");
    expect(plan.start.map((s) => s.task.name)).toEqual(["cleanup"]);
    plan = planRun(
      input({
        previous: plan.tasks,
        reuse: { run: "ci-abc", tasks: new Set(["checkout", "test"]) },
        jobs: new Map([["r-cleanup-1", job("r-cleanup-1", "Succeeded", { exitCode: 0, finishedMs: T0 })]]),
      }),
    );
    expect(plan.outcome).toEqual({
      status: "True",
      reason: "Completed",
      message: "All 2 task(s) that ran succeeded; 1 skipped; 2 reused from run ci-abc.",
    });
  });
});
