// A Run's own credential and build → deploy by digest, against the real API, operator (mirroring into Postgres),
// control plane and OpenID Provider. kwok plays the pods (hack/kwok/loco-stages.yaml), so no container runs: the
// build task's "output" is the termination message the stage writes from the test annotation
// loco.dev/test-termination-message, as a kubelet copies /dev/termination-log; and the deploy step's container —
// loco's CLI — is run here, as a child process, with exactly the command, arguments and credential its Job gives
// it. Everything else is real: the operator minting the credential into a Secret owned by the Run, reading the
// output from the pod's status, substituting it into the deploy step, the API checking the credential against the
// cluster and its scope, the release it records, and the credential's deletion when the Run ends.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN } from "../../crds/kinds.ts";
import { JOB, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { Loco, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let namespace: string;
let tenant: string;
let other: string;
const DIGEST = `sha256:${randomBytes(32).toString("hex")}`;
const REPOSITORY = "registry.example.com/acme/web";

type Container = {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
};
type Job = KubeObject & { spec: { template: { spec: { containers: Container[] } } } };
type RunStatus = {
  conditions?: { type: string; status: string; reason?: string }[];
  startTime?: string;
  credential?: { secretName: string; expiresAt: string };
  tasks?: { name: string; state: string; outputs?: Record<string, string> }[];
};

const call = (method: string, path: string, token: string, body?: unknown) =>
  world.api.call(method, path, { token, ...(body === undefined ? {} : { body }) });

async function developer(): Promise<string> {
  return world.token(world.tenants[0].members.developer);
}

/** The pipeline: build publishes a digest, deploy ships it, hold keeps the Run running until it is cancelled. */
const pipelineSpec = (app: string) => ({
  timeout: "30m",
  permissions: { deploy: [{ app }] },
  tasks: [
    {
      name: "build",
      image: "gcr.io/kaniko-project/executor:v1.23.2-debug",
      script: `/kaniko/executor --destination ${REPOSITORY}:ci --digest-file /tmp/digest && printf '{"digest":"%s"}' "$(cat /tmp/digest)" > /dev/termination-log`,
      podAnnotations: {
        "loco.dev/test-termination-message": JSON.stringify({ digest: DIGEST, image: `${REPOSITORY}@${DIGEST}` }),
      },
    },
    {
      name: "deploy",
      dependsOn: { build: "Success" },
      deploy: { app, image: `${REPOSITORY}@$(tasks.build.outputs.digest)` },
    },
    {
      name: "hold",
      image: "registry.example.com/tools/busybox:1.37",
      command: ["sleep", "3600"],
      dependsOn: { build: "Success" },
      podAnnotations: { "loco.dev/test-hold": "true" },
    },
  ],
});

async function startRun(pipeline: string): Promise<string> {
  const started = await call(
    "POST",
    `/v1/tenants/${tenant}/pipelines/${pipeline}/runs?profile=${world.profile}`,
    await developer(),
    {},
  );
  expect(started.status, await started.clone().text()).toBe(201);
  return ((await started.json()) as { name: string }).name;
}

async function runStatus(run: string): Promise<RunStatus> {
  return ((await world.api.kube.get(RUN, namespace, run)).status ?? {}) as RunStatus;
}

/** The Job of a task, once the operator made it. */
const jobOf = (run: string, task: string) =>
  eventually(`the Job of task ${task} of ${run}`, async () => {
    const jobs = await world.api.kube.list<Job>(JOB, namespace, {
      labelSelector: `loco.dev/run=${run},loco.dev/task=${task}`,
    });
    return jobs.items[0];
  });

/** The token as a task container gets it: the Secret its LOCO_TOKEN names. */
async function credentialOf(job: Job): Promise<string> {
  const ref = job.spec.template.spec.containers[0]!.env?.find((e) => e.name === "LOCO_TOKEN")?.valueFrom?.secretKeyRef;
  expect(ref).toBeDefined();
  const secret = await world.api.kube.get(SECRET, namespace, ref!.name);
  return Buffer.from((secret.data as Record<string, string>)[ref!.key]!, "base64").toString("utf8");
}

beforeAll(async () => {
  // Timeouts down to 1 s, so that a Run's credential can be seen to expire within the test.
  world = await startApiWorld("rcr", { operator: { batch: { minTimeoutMs: 1000 } } });
  tenant = world.tenants[0].name;
  namespace = `${tenant}-${world.profile}`;
  other = "other";
  const applied = await call("PUT", `/v1/tenants/${tenant}/apps/${other}?profile=${world.profile}`, await developer(), {
    spec: world.appSpec(),
  });
  expect(applied.status, await applied.clone().text()).toBe(200);
  const pipeline = await call(
    "PUT",
    `/v1/tenants/${tenant}/pipelines/ship?profile=${world.profile}`,
    await developer(),
    { spec: pipelineSpec(world.tenants[0].app) },
  );
  expect(pipeline.status, await pipeline.clone().text()).toBe(200);
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe("a Run's credential and deploy by digest", () => {
  it("deploys the digest the build published with the Run's credential, which works only for the declared App and stops when the Run ends", async () => {
    const app = world.tenants[0].app;
    const run = await startRun("ship");

    // The build's output reaches the deploy step, substituted into loco's own deploy command.
    const deployJob = await jobOf(run, "deploy");
    const container = deployJob.spec.template.spec.containers[0]!;
    expect(container.command?.slice(-5)).toEqual(["deploy", "--app", app, "--profile", world.profile]);
    expect(container.args).toEqual([
      "--image",
      `${REPOSITORY}@${DIGEST}`,
      "--tenant",
      tenant,
      "--wait",
      "--timeout",
      "8h",
    ]);
    // Status is written right after the Jobs it names.
    const status = await eventually("the Run's status to record the build's outputs", async () => {
      const now = await runStatus(run);
      return now.tasks?.find((t) => t.name === "build")?.outputs && now.credential ? now : undefined;
    });
    expect(status.tasks?.find((t) => t.name === "build")?.outputs).toEqual({
      digest: DIGEST,
      image: `${REPOSITORY}@${DIGEST}`,
    });
    // Expiry: the Run's timeout from its start.
    expect(Date.parse(status.credential!.expiresAt) - Date.parse(status.startTime!)).toBe(30 * 60_000);
    // Every task gets the same credential; the Secret belongs to the Run.
    const token = await credentialOf(deployJob);
    expect(token).toMatch(/^locorun_/);
    expect(await credentialOf(await jobOf(run, "hold"))).toBe(token);
    const secret = await world.api.kube.get(SECRET, namespace, status.credential!.secretName);
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Run", name: run, controller: true });

    // What the deploy step's container runs: loco's CLI with the Job's arguments and the Run's credential.
    const loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
    const deployed = await loco.run([...container.command!.slice(2), ...container.args!], {
      home: mkdtempSync(join(tmpdir(), "loco-run-credential-")),
      cwd: mkdtempSync(join(tmpdir(), "loco-run-credential-cwd-")),
      env: { LOCO_SERVER: world.api.url, LOCO_TOKEN: token },
      timeoutMs: 120_000,
    });
    expect(deployed.code, shown(deployed)).toBe(0);
    const releases = await call(
      "GET",
      `/v1/tenants/${tenant}/apps/${app}/releases?profile=${world.profile}`,
      await world.token(world.tenants[0].members.viewer),
    );
    const [latest] = (
      (await releases.json()) as {
        items: { kind: string; actor: string; source: unknown; changes: { image?: { after: string } } }[];
      }
    ).items;
    // The release names the Run as data, not only in the actor's sentence.
    expect(latest).toMatchObject({
      kind: "deploy",
      actor: `run:${namespace}/${run} (pipeline ship)`,
      source: { kind: "run", namespace, run, pipeline: "ship" },
    });
    expect(latest!.changes.image?.after).toBe(`${REPOSITORY}@${DIGEST}`);
    // And so does `loco releases`, in its JSON and in its table.
    const asViewer = {
      home: mkdtempSync(join(tmpdir(), "loco-run-credential-viewer-")),
      cwd: mkdtempSync(join(tmpdir(), "loco-run-credential-viewer-cwd-")),
      env: { LOCO_SERVER: world.api.url, LOCO_TOKEN: await world.token(world.tenants[0].members.viewer) },
      timeoutMs: 60_000,
    };
    const target = ["--app", app, "--profile", world.profile, "--tenant", tenant];
    const listed = await loco.run(["releases", ...target, "-o", "json"], asViewer);
    expect(listed.code, shown(listed)).toBe(0);
    expect((JSON.parse(listed.stdout) as { releases: { source: unknown }[] }).releases[0]!.source).toEqual({
      kind: "run",
      namespace,
      run,
      pipeline: "ship",
    });
    const table = await loco.run(["releases", ...target], asViewer);
    expect(table.code, shown(table)).toBe(0);
    expect(table.stdout.split("\n")[1]).toContain(`run ${run} (pipeline ship)`);

    // During the Run: the declared App, and nothing else.
    const appPath = (t: string, a: string) => `/v1/tenants/${t}/apps/${a}?profile=${world.profile}`;
    expect((await call("GET", appPath(tenant, app), token)).status).toBe(200);
    const otherApp = await call("GET", appPath(tenant, other), token);
    expect(otherApp.status).toBe(403);
    expect(((await otherApp.json()) as { detail: string }).detail).toContain("permissions.deploy");
    const deployOther = await call(
      "POST",
      `/v1/tenants/${tenant}/apps/${other}/deployments?profile=${world.profile}`,
      token,
      { spec: world.appSpec(`${REPOSITORY}@${DIGEST}`) },
    );
    expect(deployOther.status).toBe(403);
    const otherTenant = world.tenants[1];
    expect((await call("GET", appPath(otherTenant.name, otherTenant.app), token)).status).toBe(403);
    expect(
      (
        await call(
          "POST",
          `/v1/tenants/${otherTenant.name}/apps/${otherTenant.app}/deployments?profile=${world.profile}`,
          token,
          { spec: world.appSpec() },
        )
      ).status,
    ).toBe(403);
    expect((await call("GET", `/v1/tenants/${tenant}/tokens`, token)).status).toBe(403);
    expect((await call("GET", `/v1/tenants/${tenant}/pipelines/ship?profile=${world.profile}`, token)).status).toBe(
      403,
    );
    // A guessed token naming the same Run is refused, as are tokens naming a namespace that is no tenant's, a
    // Run of another namespace, or nothing at all.
    const forged = `${token.slice(0, -43)}${"A".repeat(43)}`;
    const naming = (where: string) => `locorun_${Buffer.from(where).toString("base64url")}.${"A".repeat(43)}`;
    for (const bad of [
      forged,
      naming("kube-system/evil"),
      naming(`${world.tenants[1].name}-${world.profile}/${run}`),
      "locorun_x.y",
    ]) {
      expect((await call("GET", appPath(tenant, app), bad)).status, bad).toBe(401);
    }

    // The Run ends: the credential is refused and its Secret deleted.
    const cancelled = await call(
      "POST",
      `/v1/tenants/${tenant}/runs/${run}/cancel?profile=${world.profile}`,
      await developer(),
      {},
    );
    expect(cancelled.status, await cancelled.clone().text()).toBeLessThan(300);
    await eventually("the Run to end", async () =>
      (await runStatus(run)).conditions?.some((c) => c.type === "Succeeded" && c.status === "False") ? true : undefined,
    );
    const after = await call("GET", appPath(tenant, app), token);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { detail: string }).detail).toContain("has ended");
    await eventually("the credential's Secret to be deleted", async () =>
      (await world.api.kube.find(SECRET, namespace, status.credential!.secretName)) ? undefined : true,
    );
  }, 240_000);

  it("gives no credential to a Run whose Pipeline declares no permissions", async () => {
    const { permissions: _none, ...spec } = pipelineSpec(world.tenants[0].app);
    const applied = await call(
      "PUT",
      `/v1/tenants/${tenant}/pipelines/plain?profile=${world.profile}`,
      await developer(),
      { spec: { ...spec, tasks: spec.tasks.filter((t) => t.name !== "deploy") } },
    );
    expect(applied.status, await applied.clone().text()).toBe(200);
    const run = await startRun("plain");
    const job = await jobOf(run, "hold");
    expect(job.spec.template.spec.containers[0]!.env?.some((e) => e.name === "LOCO_TOKEN") ?? false).toBe(false);
    expect((await runStatus(run)).credential).toBeUndefined();
    await call("POST", `/v1/tenants/${tenant}/runs/${run}/cancel?profile=${world.profile}`, await developer(), {});
  }, 120_000);

  // Last in this file: it stops the operator.
  it("stops working when its expiry passes: with the Run's timeout, and on its own while nothing ends the Run", async () => {
    const app = world.tenants[0].app;
    const applied = await call(
      "PUT",
      `/v1/tenants/${tenant}/pipelines/brief?profile=${world.profile}`,
      await developer(),
      {
        spec: {
          timeout: "30s",
          permissions: { deploy: [{ app }] },
          tasks: [
            {
              name: "hold",
              image: "registry.example.com/tools/busybox:1.37",
              command: ["sleep", "3600"],
              podAnnotations: { "loco.dev/test-hold": "true" },
            },
          ],
        },
      },
    );
    expect(applied.status, await applied.clone().text()).toBe(200);
    const appPath = `/v1/tenants/${tenant}/apps/${app}?profile=${world.profile}`;
    /** A Run of `brief` whose credential works: its name, token and expiry. */
    const startHeld = async () => {
      const run = await startRun("brief");
      const status = await eventually(`the credential of ${run}`, async () => {
        const now = await runStatus(run);
        return now.credential && now.startTime ? now : undefined;
      });
      const expiresAt = Date.parse(status.credential!.expiresAt);
      expect(expiresAt - Date.parse(status.startTime!)).toBe(30_000);
      const token = await credentialOf(await jobOf(run, "hold"));
      expect((await call("GET", appPath, token)).status).toBe(200);
      return { run, token, expiresAt };
    };
    const succeeded = async (run: string) => (await runStatus(run)).conditions?.find((c) => c.type === "Succeeded");

    // The operator ends the Run when its timeout passes, which is when the credential expires.
    const timed = await startHeld();
    const ended = await eventually(
      "the Run to time out",
      async () => {
        const condition = await succeeded(timed.run);
        return condition?.status === "False" ? condition : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(ended.reason).toBe("TimedOut");
    expect(Date.now()).toBeGreaterThanOrEqual(timed.expiresAt);
    expect((await call("GET", appPath, timed.token)).status).toBe(401);

    // With the operator gone (down, or too far behind to time the Run out), the Run's status still says it runs
    // and its Secret is still there: the expiry alone refuses the credential, once it has passed — waited for.
    const orphan = await startHeld();
    await world.operator.stop();
    expect((await call("GET", appPath, orphan.token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(orphan.expiresAt - Date.now() + 500, 0)));
    const refused = await call("GET", appPath, orphan.token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toContain("expired");
    expect((await succeeded(orphan.run))?.status ?? "Unknown").toBe("Unknown");
    expect(await world.api.kube.find(SECRET, namespace, `${orphan.run}.run-credential`)).toBeDefined();
  }, 180_000);
});
