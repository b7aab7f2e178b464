// `loco run rerun` as a user runs it, against the real API, operator, control plane (kwok plays the pods: the pod
// annotation loco.dev/test-exit-code makes a task's container exit with that code) and Postgres: a Run fails at its
// second task; the user fixes the Pipeline and reruns; the task that succeeded is not run again (no Job), keeps its
// result (Skipped, reason Reused, naming the earlier run), and the rest runs with the same parameters.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { JOB } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let loco: Loco;
let home: string;
let namespace: string;
let failedRun: string;
let logs: CannedLogs;

const resources = { cpu: "10m", memory: "16Mi" };
const pipeline = (unitExitCode?: string) => ({
  spec: {
    parameters: [{ name: "version", default: "1.0" }],
    tasks: [
      { name: "build", image: "registry.example.com/ci/build:1", resources },
      {
        name: "unit",
        image: "registry.example.com/ci/test:1",
        resources,
        dependsOn: { build: "Success" },
        ...(unitExitCode ? { podAnnotations: { "loco.dev/test-exit-code": unitExitCode } } : {}),
      },
      { name: "publish", image: "registry.example.com/ci/publish:1", resources, dependsOn: { unit: "Success" } },
    ],
  },
});

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home,
    cwd: home,
    env: { LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
    timeoutMs: 180_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
}
const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);
const lastRecord = (result: LocoResult) =>
  JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as { run: string; phase: string };

async function jobsOf(run: string): Promise<string[]> {
  const jobs = await world.api.kube.list<KubeObject>(JOB, namespace, { labelSelector: `loco.dev/run=${run}` });
  return jobs.items.map((j) => j.metadata.labels?.["loco.dev/task"] ?? "").sort();
}

beforeAll(async () => {
  world = await startApiWorld("rer");
  namespace = `${world.tenants[0].name}-${world.profile}`;
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-rerun-home-"));
  logs = await cannedLogs({
    namespace,
    containers: {
      unit: [
        { time: "2026-11-23T10:00:00.100Z", line: "ok 1 - parses" },
        { time: "2026-11-23T10:00:00.200Z", line: "FAIL parser.test: expected 3, got 4" },
      ],
    },
  });
  const minted = await world.api.call("POST", `/v1/tenants/${world.tenants[0].name}/tokens`, {
    token: await world.token(world.tenants[0].members.developer),
    body: { name: "rerun", role: "developer" },
  });
  const { secret } = (await minted.json()) as { secret: string };
  expectExit(await user(["login", world.api.url, "--token-stdin"], secret), 0);
  writeFileSync(join(home, "ci.json"), JSON.stringify(pipeline("3")));
  expectExit(await user(["pipeline", "apply", "ci.json", "--name", "ci"]), 0);
  const failed = await user(["run", "start", "ci", "--param", "version=2.5", "-w", "-o", "json"]);
  expectExit(failed, EXIT_CODES.runFailed.code);
  failedRun = lastRecord(failed).run;
}, 300_000);

afterAll(async () => {
  await logs?.remove();
  await world?.stop();
});

describe("a failed Run", () => {
  it("names its failed task, exit code and last log lines in the API and in `loco run watch`", async () => {
    const url = `/v1/tenants/${world.tenants[0].name}/runs/${failedRun}?profile=${world.profile}`;
    const viewer = await world.token(world.tenants[0].members.viewer);
    const failedTask = await eventually("the failed task's captured log", async () => {
      const body = (await (await world.api.call("GET", url, { token: viewer })).json()) as {
        failedTask: { lastLines: string[] } | null;
      };
      return body.failedTask?.lastLines.length ? body.failedTask : undefined;
    });
    expect(failedTask).toEqual({
      name: "unit",
      exitCode: 3,
      reason: "AbnormalExit",
      attempt: 1,
      lastLines: ["ok 1 - parses", "FAIL parser.test: expected 3, got 4"],
    });
    const watched = await user(["run", "watch", failedRun]);
    expectExit(watched, EXIT_CODES.runFailed.code);
    expect(watched.stdout).toContain(
      "Last lines of task unit:\n  │ ok 1 - parses\n  │ FAIL parser.test: expected 3, got 4\n✗ Run",
    );
    // The outcome stays the last line.
    expect(watched.stdout).toMatch(/\n✗ Run [^\n]* task unit failed \(AbnormalExit, exit code 3\)[^\n]*\n$/);
  });
});

describe("loco run rerun", () => {
  it("answers another tenant's member 404 and a viewer 403, starting nothing", async () => {
    const path = `/v1/tenants/${world.tenants[0].name}/runs/${failedRun}/rerun?profile=${world.profile}`;
    const foreign = await world.api.call("POST", path, { token: await world.token(world.tenants[1].members.owner) });
    expect(foreign.status).toBe(404);
    const viewer = await world.api.call("POST", path, { token: await world.token(world.tenants[0].members.viewer) });
    expect(viewer.status).toBe(403);
    const unknown = await user(["run", "rerun", failedRun, "--from", "nope"]);
    expectExit(unknown, EXIT_CODES.usage.code);
    expect(unknown.stderr).toContain('has no task "nope"');
  });

  it("after a fix, reruns from the failed task: the task that succeeded is reused, not run again", async () => {
    writeFileSync(join(home, "ci.json"), JSON.stringify(pipeline()));
    expectExit(await user(["pipeline", "apply", "ci.json", "--name", "ci"]), 0);
    const rerun = await user(["run", "rerun", failedRun, "-w", "-o", "json"]);
    expectExit(rerun, 0);
    const { run, phase } = lastRecord(rerun);
    expect(phase).toBe("Succeeded");
    expect(await jobsOf(run)).toEqual(["publish", "unit"]);
    const view = await world.api.call(
      "GET",
      `/v1/tenants/${world.tenants[0].name}/runs/${run}?profile=${world.profile}`,
      {
        token: await world.token(world.tenants[0].members.viewer),
      },
    );
    const body = (await view.json()) as {
      parameters: Record<string, string>;
      spec: { reuse?: { run: string; tasks: string[] } };
      tasks: { name: string; state: string; reason?: string; message?: string; exitCode?: number }[];
    };
    expect(body.parameters).toEqual({ version: "2.5" });
    expect(body.spec.reuse).toEqual({ run: failedRun, tasks: ["build"] });
    expect(body.tasks.find((t) => t.name === "build")).toMatchObject({
      state: "Skipped",
      reason: "Reused",
      exitCode: 0,
      message: `Skipped (reused from run ${failedRun}): it succeeded there and is not run again.`,
    });
    expect(body.tasks.filter((t) => t.state === "Succeeded").map((t) => t.name)).toEqual(["unit", "publish"]);
  });

  it("with --from runs that task and what follows again, and refuses a rerun that would run nothing", async () => {
    const first = await user(["run", "rerun", failedRun, "-w", "-o", "json"]);
    expectExit(first, 0);
    const succeeded = lastRecord(first).run;
    // Everything succeeded (build reused, the rest ran): nothing left to run again without --from.
    const nothing = await user(["run", "rerun", succeeded]);
    expectExit(nothing, EXIT_CODES.unavailable.code);
    expect(nothing.stderr).toContain("would run nothing");
    const fromUnit = await user(["run", "rerun", succeeded, "--from", "unit", "-w", "-o", "json"]);
    expectExit(fromUnit, 0);
    expect(await jobsOf(lastRecord(fromUnit).run)).toEqual(["publish", "unit"]);
  });
});
