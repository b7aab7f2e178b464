// Pipelines and Runs through the API, against the real operator, control plane, mirror, Postgres and OIDC
// provider: apply (validated, mass-assignment safe), diff, start with parameters, follow to the end, list with
// filters and pages, cancel a hanging Run, the timeline, and logs of one task or all tasks merged by time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB, POD } from "../../kube/resources.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let tenant: string;
let developer: string;
let viewer: string;
let logs: CannedLogs;

type Task = {
  name: string;
  state: string;
  exitCode?: number;
  reason?: string;
  startTime?: string;
  completionTime?: string;
};
type RunView = {
  name: string;
  pipeline: string | null;
  phase: string;
  reason: string | null;
  parameters: Record<string, string>;
  cancelRequested: boolean;
  startedBy: { kind: string; user?: string } | null;
  tasks: Task[];
};

const resources = { cpu: "10m", memory: "16Mi" };
const ciSpec = (image = "registry.example.com/ci/build:1") => ({
  parameters: [{ name: "version", default: "1.0" }, { name: "target" }],
  tasks: [
    { name: "build", image, resources, podAnnotations: { "loco.dev/test-duration": "1s" } },
    { name: "test", image: "registry.example.com/ci/test:1", resources, dependsOn: { build: "Success" } },
  ],
});
const hangSpec = {
  tasks: [
    {
      name: "wait",
      image: "registry.example.com/ci/wait:1",
      resources,
      podAnnotations: { "loco.dev/test-hold": "true" },
    },
  ],
};

const path = (rest: string) => `/v1/tenants/${tenant}${rest}${rest.includes("?") ? "&" : "?"}profile=${world.profile}`;

async function call(method: string, rest: string, body?: unknown, token = developer) {
  return world.api.call(method, path(rest), { token, body });
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function finished(run: string, timeoutMs = 120_000): Promise<RunView> {
  return eventually(
    `Run ${run} finished`,
    async () => {
      const view = await json<RunView>(await call("GET", `/runs/${run}`), 200).catch(() => undefined);
      return view && (view.phase === "Succeeded" || view.phase === "Failed") ? view : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** Reads an ndjson log stream to its end. */
async function logLines(
  rest: string,
): Promise<{ task: string; time: string; line: string; error?: string; reason?: string }[]> {
  const response = await call("GET", rest);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/x-ndjson");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  world = await startApiWorld("rn");
  tenant = world.tenants[0].name;
  developer = await world.token(world.tenants[0].members.developer);
  viewer = await world.token(world.tenants[0].members.viewer);
  // Canned output per task container, with times that interleave the two tasks.
  logs = await cannedLogs({
    namespace: `${tenant}-${world.profile}`,
    containers: {
      build: [
        { time: "2026-11-23T10:00:00.100Z", line: "build: compiling" },
        { time: "2026-11-23T10:00:00.300Z", line: "build: linking", stream: "stderr" },
      ],
      test: [
        { time: "2026-11-23T10:00:00.200Z", line: "test: 12 passed" },
        { time: "2026-11-23T10:00:00.400Z", line: "test: done" },
      ],
      wait: [{ time: "2026-11-23T10:00:00.500Z", line: "wait: holding" }],
      announce: [{ time: "2026-11-23T10:00:01.000Z", line: "announce: deploying" }],
      secret: [{ time: "2026-11-23T10:00:01.100Z", line: "secret: DB_PASSWORD=hunter2" }],
    },
  });
}, 240_000);

afterAll(async () => {
  await logs?.remove();
  await world?.stop();
});

describe("pipelines", () => {
  it("applies a Pipeline, refusing invalid specs and status fields with the field named", async () => {
    const bad = await call("PUT", "/pipelines/ci", {
      spec: { tasks: [{ name: "build", image: "x:1", dependsOn: { build: "Success" } }] },
    });
    const problem = await json<{ code: string; errors: { field: string }[] }>(bad, 400);
    expect(problem.errors.map((e) => e.field)).toContain("spec.tasks[0].dependsOn");
    const smuggled = await call("PUT", "/pipelines/ci", { spec: ciSpec(), status: { activeRuns: 9 } });
    expect((await json<{ errors: { field: string }[] }>(smuggled, 400)).errors.map((e) => e.field)).toContain("status");
    expect((await call("PUT", "/pipelines/ci", { spec: ciSpec() }, viewer)).status).toBe(403);

    const applied = await json<{ name: string; profile: string; spec: { tasks: unknown[] } }>(
      await call("PUT", "/pipelines/ci", { spec: ciSpec() }),
      200,
    );
    expect(applied).toMatchObject({ name: "ci", profile: world.profile });
    expect(applied.spec.tasks).toHaveLength(2);
    await json(await call("PUT", "/pipelines/hang", { spec: hangSpec }), 200);
    const ready = await eventually("Pipeline ci Ready in the mirror", async () => {
      const response = await call("GET", "/pipelines/ci");
      const view = response.status === 200 ? ((await response.json()) as { ready: string }) : undefined;
      return view?.ready === "True" ? view : undefined;
    });
    expect(ready.ready).toBe("True");
    // The list is the mirror's, which follows the cluster: wait for both rather than read it once.
    const names = await eventually("both Pipelines listed", async () => {
      const list = await json<{ items: { name: string }[] }>(await call("GET", "/pipelines", undefined, viewer), 200);
      const listed = list.items.map((p) => p.name).sort();
      return listed.length === 2 ? listed : undefined;
    });
    expect(names).toEqual(["ci", "hang"]);
  });

  it("diffs a spec against the running Pipeline without changing it", async () => {
    const same = await json<{ changed: boolean; exists: boolean; diff: string }>(
      await call("POST", "/pipelines/ci/diff", { spec: ciSpec() }),
      200,
    );
    expect(same).toMatchObject({ changed: false, exists: true, diff: "" });
    const changed = await json<{ changed: boolean; changes: { path: string; op: string }[]; diff: string }>(
      await call("POST", "/pipelines/ci/diff", { spec: ciSpec("registry.example.com/ci/build:2") }),
      200,
    );
    expect(changed.changed).toBe(true);
    expect(changed.changes).toEqual([
      {
        path: "spec.tasks[build].image",
        op: "changed",
        before: "registry.example.com/ci/build:1",
        after: "registry.example.com/ci/build:2",
      },
    ]);
    expect(changed.diff).toBe(
      '~ spec.tasks[build].image: "registry.example.com/ci/build:1" → "registry.example.com/ci/build:2"',
    );
    const fresh = await json<{ exists: boolean; changes: { path: string; op: string }[] }>(
      await call("POST", "/pipelines/brand-new/diff", { spec: hangSpec }),
      200,
    );
    expect(fresh.exists).toBe(false);
    expect(fresh.changes).toEqual([expect.objectContaining({ path: "spec", op: "added" })]);
    // Nothing was applied.
    const live = await json<{ spec: { tasks: { image: string }[] } }>(await call("GET", "/pipelines/ci"), 200);
    expect(live.spec.tasks[0]!.image).toBe("registry.example.com/ci/build:1");
    expect((await call("GET", "/pipelines/brand-new")).status).toBe(404);
  });
});

describe("runs", () => {
  let succeeded: RunView;

  it("refuses parameters the Pipeline does not declare, and missing required ones, naming them", async () => {
    const unknown = await json<{ errors: { field: string; message: string }[] }>(
      await call("POST", "/pipelines/ci/runs", { parameters: { target: "x", nope: "1" } }),
      400,
    );
    expect(unknown.errors).toEqual([
      { field: "parameters.nope", message: "Pipeline ci declares no parameter nope; it declares version, target" },
    ]);
    const missing = await json<{ errors: { field: string }[] }>(await call("POST", "/pipelines/ci/runs", {}), 400);
    expect(missing.errors.map((e) => e.field)).toEqual(["parameters.target"]);
    expect((await call("POST", "/pipelines/never-there/runs", {})).status).toBe(404);
    expect((await call("POST", "/pipelines/ci/runs", { parameters: { target: "x" } }, viewer)).status).toBe(403);
  });

  it("starts a Run, streams its progress and ends Succeeded with every task's state and times", async () => {
    const started = await json<RunView>(
      await call("POST", "/pipelines/ci/runs", { parameters: { target: "prod" } }),
      201,
    );
    expect(started.name).toMatch(/^ci-[a-z0-9]{8}$/);
    expect(started.startedBy).toMatchObject({ kind: "API" });
    await eventually("the Run in the mirror", async () =>
      (await call("GET", `/runs/${started.name}`)).status === 200 ? true : undefined,
    );
    const events = await call("GET", `/runs/${started.name}/events`, undefined, viewer);
    expect(events.headers.get("content-type")).toContain("text/event-stream");
    const stream = await events.text(); // ends by itself once the Run has finished
    const last = stream.split("\n\n").filter((e) => e.startsWith("event: end"))[0];
    expect(last, stream.slice(-2000)).toBeDefined();
    const end = JSON.parse(last!.split("\ndata: ")[1]!) as RunView;
    expect(end.phase).toBe("Succeeded");
    succeeded = await finished(started.name);
    expect(succeeded.parameters).toEqual({ version: "1.0", target: "prod" });
    expect(succeeded.tasks.map((t) => [t.name, t.state, t.exitCode])).toEqual([
      ["build", "Succeeded", 0],
      ["test", "Succeeded", 0],
    ]);
    const [build, test] = succeeded.tasks as [Task, Task];
    expect(Date.parse(test.startTime!)).toBeGreaterThanOrEqual(Date.parse(build.completionTime!));
  });

  it("lists Runs newest first, filtered by pipeline, phase and age, a page at a time", async () => {
    const second = await json<RunView>(await call("POST", "/pipelines/ci/runs", { parameters: { target: "b" } }), 201);
    await finished(second.name);
    const all = await json<{ items: RunView[]; nextCursor: string | null }>(
      await call("GET", "/runs?pipeline=ci", undefined, viewer),
      200,
    );
    expect(all.items.map((r) => r.name)).toEqual([second.name, succeeded.name]);
    const first = await json<{ items: RunView[]; nextCursor: string | null }>(
      await call("GET", "/runs?pipeline=ci&limit=1"),
      200,
    );
    expect(first.items.map((r) => r.name)).toEqual([second.name]);
    expect(first.nextCursor).not.toBeNull();
    const next = await json<{ items: RunView[]; nextCursor: string | null }>(
      await call("GET", `/runs?pipeline=ci&limit=1&cursor=${first.nextCursor}`),
      200,
    );
    expect(next).toEqual({ items: [expect.objectContaining({ name: succeeded.name })], nextCursor: null });
    const running = await json<{ items: RunView[] }>(await call("GET", "/runs?phase=Running,Pending,Queued"), 200);
    expect(running.items.map((r) => r.name)).not.toContain(succeeded.name);
    const done = await json<{ items: RunView[] }>(await call("GET", "/runs?phase=Succeeded&pipeline=ci"), 200);
    expect(done.items).toHaveLength(2);
    expect((await json<{ items: RunView[] }>(await call("GET", "/runs?pipeline=hang"), 200)).items).toEqual([]);
    expect(
      (await json<{ items: RunView[] }>(await call("GET", "/runs?since=1h"), 200)).items.length,
    ).toBeGreaterThanOrEqual(2);
    expect(
      (await json<{ items: RunView[] }>(await call("GET", "/runs?since=2099-01-01T00:00:00Z"), 200)).items,
    ).toEqual([]);
    const bad = await json<{ errors: { field: string }[] }>(await call("GET", "/runs?phase=Done"), 400);
    expect(bad.errors.map((e) => e.field)).toEqual(["query.phase"]);
  });

  it("tells what happened in the timeline, oldest first", async () => {
    const timeline = await eventually("task events in the timeline", async () => {
      const page = await json<{ items: { reason: string; message: string; occurredAt: string }[] }>(
        await call("GET", `/runs/${succeeded.name}/timeline`, undefined, viewer),
        200,
      );
      return page.items.some((e) => e.message.startsWith("Task test succeeded")) ? page : undefined;
    });
    const messages = timeline.items.map((e) => e.message);
    expect(messages.findIndex((m) => m.startsWith("Task build succeeded"))).toBeLessThan(
      messages.findIndex((m) => m.startsWith("Task test succeeded")),
    );
    const times = timeline.items.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Paging gives the same events: read while the timeline holds still (events of the Run's end may still land,
    // such as its credential being deleted), so that both reads see one timeline.
    const read = async () =>
      (await json<{ items: unknown[] }>(await call("GET", `/runs/${succeeded.name}/timeline`), 200)).items;
    const { whole, pages } = await eventually("the timeline read the same whole and in pages", async () => {
      const before = await read();
      const paged = await json<{ items: unknown[]; nextCursor: string }>(
        await call("GET", `/runs/${succeeded.name}/timeline?limit=1`),
        200,
      );
      const rest = await json<{ items: unknown[] }>(
        await call("GET", `/runs/${succeeded.name}/timeline?limit=100&cursor=${paged.nextCursor}`),
        200,
      );
      const after = await read();
      return JSON.stringify(before) === JSON.stringify(after)
        ? { whole: after, pages: [...paged.items, ...rest.items] }
        : undefined;
    });
    expect(pages).toEqual(whole);
    expect(whole.length).toBeGreaterThanOrEqual(timeline.items.length);
  });

  it("serves the logs of one task, and of all tasks merged by time", async () => {
    const all = await logLines(`/runs/${succeeded.name}/logs`);
    expect(all.map((l) => [l.task, l.line])).toEqual([
      ["build", "build: compiling"],
      ["test", "test: 12 passed"],
      ["build", "build: linking"],
      ["test", "test: done"],
    ]);
    const build = await logLines(`/runs/${succeeded.name}/logs?task=build`);
    expect(build.map((l) => l.line)).toEqual(["build: compiling", "build: linking"]);
    const tail = await logLines(`/runs/${succeeded.name}/logs?tail=1`);
    expect(tail.map((l) => l.line)).toEqual(["build: linking", "test: done"]);
    expect((await call("GET", "/runs/never-there/logs")).status).toBe(404);
  });

  it("serves a finished Run's logs after its pods are gone, from what the operator captured", async () => {
    const namespace = `${tenant}-${world.profile}`;
    const selector = { labelSelector: `loco.dev/run=${succeeded.name}` };
    for (const job of (await world.api.kube.list(JOB, namespace, selector)).items) {
      await world.api.kube.delete(JOB, namespace, job.metadata.name ?? "");
    }
    await eventually(
      "the Run's pods deleted",
      async () => ((await world.api.kube.list(POD, namespace, selector)).items.length === 0 ? true : undefined),
      { timeoutMs: 90_000 },
    );
    const all = await logLines(`/runs/${succeeded.name}/logs`);
    expect(all.map((l) => [l.task, l.line])).toEqual([
      ["build", "build: compiling"],
      ["test", "test: 12 passed"],
      ["build", "build: linking"],
      ["test", "test: done"],
    ]);
    const followed = await logLines(`/runs/${succeeded.name}/logs?follow=true&task=test`);
    expect(followed.map((l) => l.line)).toEqual(["test: 12 passed", "test: done"]);
  });

  it("cancels a hanging Run: it ends Failed with UserCancelled, and a second cancel is refused", async () => {
    const started = await json<RunView>(await call("POST", "/pipelines/hang/runs", {}), 201);
    await eventually(
      "the hanging task running",
      async () => {
        const response = await call("GET", `/runs/${started.name}`);
        const view = response.status === 200 ? ((await response.json()) as RunView) : undefined;
        return view?.tasks.find((t) => t.name === "wait")?.state === "Running" ? view : undefined;
      },
      { timeoutMs: 90_000 },
    );
    // Following its logs while it runs: the stream stays open until the Run ends.
    let settled = false;
    const following = call("GET", `/runs/${started.name}/logs?follow=true`)
      .then((r) => r.text())
      .finally(() => {
        settled = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(settled, "a followed log of a running Run ended early").toBe(false);
    expect((await call("POST", `/runs/${started.name}/cancel`, undefined, viewer)).status).toBe(403);
    const cancelled = await json<RunView>(await call("POST", `/runs/${started.name}/cancel`), 202);
    expect(cancelled.cancelRequested).toBe(true);
    const ended = await finished(started.name);
    expect(ended).toMatchObject({ phase: "Failed", reason: "UserCancelled" });
    expect(ended.tasks[0]).toMatchObject({ name: "wait", state: "Cancelled" });
    const followed = (await following)
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: string });
    expect(followed.map((l) => l.line)).toContain("wait: holding");
    const again = await json<{ code: string; detail: string }>(await call("POST", `/runs/${started.name}/cancel`), 409);
    expect(again.detail).toContain("already finished");
    const failed = await json<{ items: RunView[] }>(await call("GET", "/runs?phase=Failed"), 200);
    expect(failed.items.map((r) => r.name)).toEqual([started.name]);
  });

  it("runs a one-off command", async () => {
    const started = await json<RunView>(
      await call("POST", "/runs", { task: { image: "registry.example.com/tools/migrate:1", args: ["up"], resources } }),
      201,
    );
    expect(started).toMatchObject({ pipeline: null });
    expect(started.name).toMatch(/^run-[a-z0-9]{8}$/);
    const ended = await finished(started.name);
    expect(ended.phase).toBe("Succeeded");
    expect(ended.tasks.map((t) => t.state)).toEqual(["Succeeded"]);
  });

  it("audits every start and cancel", async () => {
    const owner = await world.token(world.tenants[0].members.owner);
    const response = await world.api.call("GET", `/v1/tenants/${tenant}/audit?limit=200`, { token: owner });
    const audit = await json<{ items: { action: string; outcome: string; target: string }[] }>(response, 200);
    const actions = audit.items.map((e) => `${e.action} ${e.outcome}`);
    expect(actions).toContain("pipelines.apply succeeded");
    expect(actions).toContain("runs.start succeeded");
    expect(actions).toContain("runs.start failed:InvalidRequest");
    expect(actions).toContain("runs.cancel succeeded");
    expect(actions).toContain("runs.cancel failed:Conflict");
    expect(actions).toContain("runs.create succeeded");
  });

  it("never serves the output of a task with logging: false, even while its pod is there; says logging is off instead", async () => {
    const spec = {
      tasks: [
        { name: "announce", image: "registry.example.com/ci/announce:1", resources },
        { name: "secret", image: "registry.example.com/ci/secret:1", resources, logging: false },
      ],
    };
    await json(await call("PUT", "/pipelines/quiet", { spec }), 200);
    await eventually("Pipeline quiet Ready in the mirror", async () => {
      const response = await call("GET", "/pipelines/quiet");
      return response.status === 200 && ((await response.json()) as { ready: string }).ready === "True"
        ? true
        : undefined;
    });
    const started = await json<RunView>(await call("POST", "/pipelines/quiet/runs", {}), 201);
    const ended = await finished(started.name);
    expect(ended.tasks.map((t) => [t.name, t.state])).toEqual([
      ["announce", "Succeeded"],
      ["secret", "Succeeded"],
    ]);
    // The secret task's pod still exists, with its output readable from the kubelet: the route must not read it.
    const namespace = `${tenant}-${world.profile}`;
    const pods = await world.api.kube.list(POD, namespace, {
      labelSelector: `loco.dev/run=${started.name},loco.dev/task=secret`,
    });
    expect(pods.items.length).toBeGreaterThan(0);
    const notice = {
      task: "secret",
      pod: "",
      error:
        "Logging is off for task secret (logging: false in its Pipeline), so its output is neither kept nor shown.",
      reason: "LoggingDisabled",
    };
    for (const query of ["", "?follow=true", "?tail=10"]) {
      const records = await logLines(`/runs/${started.name}/logs${query}`);
      expect(JSON.stringify(records), query).not.toContain("hunter2");
      expect(
        records.filter((r) => r.task === "secret"),
        query,
      ).toEqual([notice]);
      expect(
        records.filter((r) => r.task === "announce").map((r) => r.line),
        query,
      ).toEqual(["announce: deploying"]);
    }
    expect(await logLines(`/runs/${started.name}/logs?task=secret`)).toEqual([notice]);
    const sse = await (await call("GET", `/runs/${started.name}/logs?format=sse`, undefined, viewer)).text();
    expect(sse).not.toContain("hunter2");
    expect(sse).toContain("LoggingDisabled");
  });
});
