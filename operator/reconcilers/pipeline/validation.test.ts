import { describe, expect, it } from "vitest";
import { PipelineSpec, type PipelineSpecInput } from "../../../crds/pipeline.ts";
import { topologicalOrder, validatePipeline } from "./validation.ts";

const bounds = {
  minTimeoutMs: 5 * 60_000,
  maxTimeoutMs: 8 * 3_600_000,
  minTriggerIntervalMs: 60_000,
  podAnnotations: { allowed: ["example.com/*"], profile: "dev", profileFound: true },
};
const spec = (input: PipelineSpecInput) => PipelineSpec.parse(input);
const task = (name: string, dependsOn?: Record<string, "Success" | "Failure" | "Any">) => ({
  name,
  image: "busybox",
  ...(dependsOn ? { dependsOn } : {}),
});

describe("validatePipeline", () => {
  it("accepts a valid DAG", () => {
    expect(validatePipeline(spec({ tasks: [task("a"), task("b", { a: "Success" })] }), bounds)).toEqual([]);
  });

  it("names the task with an unknown dependency", () => {
    const [problem] = validatePipeline(spec({ tasks: [task("a"), task("b", { c: "Success" })] }), bounds);
    expect(problem).toMatchObject({
      reason: "UnknownDependency",
      message: expect.stringContaining("Task b depends on c"),
    });
  });

  it("names the tasks of a cycle", () => {
    const problems = validatePipeline(
      spec({ tasks: [task("a", { c: "Any" }), task("b", { a: "Success" }), task("c", { b: "Success" })] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({ reason: "DependencyCycle", message: expect.stringMatching(/a → c → b → a/) }),
    ]);
  });

  it("refuses timeouts outside the platform's bounds", () => {
    const problems = validatePipeline(spec({ timeout: "9h", tasks: [{ ...task("a"), timeout: "1m" }] }), bounds);
    expect(problems.map((p) => p.reason)).toEqual(["TimeoutOutOfBounds", "TimeoutOutOfBounds"]);
    expect(problems[0]?.message).toMatch(/Task a: timeout 1m is outside the platform's bounds of 5m to 8h/);
  });

  it("refuses pod annotation keys Kubernetes would refuse", () => {
    const problems = validatePipeline(
      spec({ tasks: [{ ...task("a"), podAnnotations: { "example.com/ok": "1", "not ok": "2", "Bad_/x": "3" } }] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({
        reason: "InvalidSpec",
        message: expect.stringContaining('Task a: podAnnotations key(s) "not ok", "Bad_/x"'),
      }),
    ]);
  });

  it("refuses a cron expression that doesn't parse", () => {
    const problems = validatePipeline(
      spec({ tasks: [task("a")], triggers: [{ name: "nightly", cron: { schedule: "0 25 * * *" } }] }),
      bounds,
    );
    expect(problems).toEqual([
      expect.objectContaining({ reason: "InvalidSchedule", message: expect.stringContaining("Trigger nightly") }),
    ]);
  });
});

describe("validatePipeline and the platform's minimum trigger interval", () => {
  it("refuses an interval below the minimum, naming the trigger and the minimum", () => {
    const problems = validatePipeline(
      spec({ tasks: [task("a")], triggers: [{ name: "tick", interval: { every: "30s", jitter: "30s" } }] }),
      bounds,
    );
    expect(problems).toEqual([
      {
        reason: "TriggerTooFrequent",
        message:
          "Trigger tick: interval 30s is shorter than the platform's minimum of 1m; set spec.triggers[0].interval.every to 1m or more.",
      },
    ]);
  });

  it("refuses a cron schedule that fires every second, and one with two times a second apart", () => {
    const problems = validatePipeline(
      spec({
        tasks: [task("a")],
        triggers: [{ cron: { schedule: "* * * * * *" } }, { name: "pair", cron: { schedule: "0,1 0 3 * * *" } }],
      }),
      bounds,
    );
    expect(problems.map((p) => p.reason)).toEqual(["TriggerTooFrequent", "TriggerTooFrequent"]);
    expect(problems[0]?.message).toMatch(
      /^Trigger trigger-0: cron schedule "\* \* \* \* \* \*" fires as often as every 1s, more often than the platform's minimum of 1m/,
    );
    expect(problems[1]?.message).toMatch(/^Trigger pair: .* every 1s/);
  });

  it("accepts the worst schedules at the minimum: every minute with a minute of jitter, and a per-minute cron", () => {
    expect(
      validatePipeline(
        spec({
          tasks: [task("a")],
          triggers: [{ interval: { every: "1m", jitter: "1m" } }, { cron: { schedule: "* * * * *" } }],
        }),
        bounds,
      ),
    ).toEqual([]);
  });

  it("holds the minimum the platform configured", () => {
    const hourly = { ...bounds, minTriggerIntervalMs: 3_600_000 };
    const problems = validatePipeline(spec({ tasks: [task("a")], triggers: [{ interval: { every: "15m" } }] }), hourly);
    expect(problems.map((p) => p.reason)).toEqual(["TriggerTooFrequent"]);
    expect(problems[0]?.message).toContain("minimum of 1h");
  });
});

describe("validatePipeline and pod annotations", () => {
  const withAnnotations = (podAnnotations: Record<string, string>) =>
    spec({ tasks: [{ ...task("build"), podAnnotations }] });

  it("refuses every pod annotation by default, naming the task, the key and who can allow it", () => {
    const none = { ...bounds, podAnnotations: { allowed: [], profile: "prod", profileFound: true } };
    const problems = validatePipeline(withAnnotations({ "k8s.v1.cni.cncf.io/networks": "host-net" }), none);
    expect(problems).toEqual([
      {
        reason: "PodAnnotationNotAllowed",
        message:
          'Task build: pod annotation(s) "k8s.v1.cni.cncf.io/networks" are not allowed: Profile prod does not allow them. Remove them from podAnnotations, or ask your platform admin to add them to the Profile\'s spec.runs.allowedPodAnnotations.',
      },
    ]);
  });

  it("allows exact keys and prefixes the policy lists, and nothing else", () => {
    const policy = {
      ...bounds,
      podAnnotations: {
        allowed: ["sidecar.istio.io/inject", "example.com/trace-*"],
        profile: "prod",
        profileFound: true,
      },
    };
    expect(
      validatePipeline(withAnnotations({ "sidecar.istio.io/inject": "false", "example.com/trace-id": "1" }), policy),
    ).toEqual([]);
    const problems = validatePipeline(
      withAnnotations({
        "sidecar.istio.io/status": "x",
        "example.com/trace": "1",
        "container.apparmor.security.beta.kubernetes.io/build": "unconfined",
      }),
      policy,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain(
      '"container.apparmor.security.beta.kubernetes.io/build", "example.com/trace", "sidecar.istio.io/status"',
    );
  });

  it("says when the namespace names no Profile, or a missing one", () => {
    const orphan = { ...bounds, podAnnotations: { allowed: [], profile: undefined, profileFound: false } };
    expect(validatePipeline(withAnnotations({ "a.io/b": "1" }), orphan)[0]?.message).toContain(
      "the namespace names no Profile (label loco.dev/profile) to allow them",
    );
    const missing = { ...bounds, podAnnotations: { allowed: [], profile: "gone", profileFound: false } };
    expect(validatePipeline(withAnnotations({ "a.io/b": "1" }), missing)[0]?.message).toContain(
      "Profile gone does not exist",
    );
  });
});

describe("topologicalOrder", () => {
  it("puts dependencies first and says undefined for a cycle", () => {
    expect(topologicalOrder([task("b", { a: "Any" }), task("a")])).toEqual(["a", "b"]);
    expect(topologicalOrder([task("a", { b: "Any" }), task("b", { a: "Any" })])).toBeUndefined();
  });
});
