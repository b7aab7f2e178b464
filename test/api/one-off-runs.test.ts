// `loco run -- <command…>` and `loco pipeline secrets` as a user runs them: `node cli/main.ts` as a child process
// against the real API, operator (mirroring into Postgres with a key-encryption key), control plane and OIDC
// provider. kwok plays the pods (hack/kwok/loco-stages.yaml): nothing is executed, so what a command "does" is
// simulated — the pod annotation loco.dev/test-exit-code makes its container terminate with that code (the stage
// writes it into the pod's containerStatuses, as a kubelet would for a process that exited), and the lines it
// "prints" are canned logs kwok serves for its container (test/support/canned-logs.ts). Everything between —
// the CLI, the API, the Run, the operator's Job, the Job controller, the pod status, the operator's reading of the
// exit code, the log capture and the stream back — is real.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { parseKeyRing } from "../../db/secret-crypto.ts";
import { JOB, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let loco: Loco;
let home: string;
let repo: string;
let logs: CannedLogs;
let namespace: string;

const SECRET_VALUE = `s3cr3t-${randomBytes(6).toString("hex")}`;
const APP_SECRET = `app-${randomBytes(6).toString("hex")}`;
const EXIT_3 = "loco.dev/test-exit-code=3";

type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
};
type Job = KubeObject & { spec: { template: { spec: { containers: Container[] } } } };

async function user(args: string[], stdin?: string): Promise<LocoResult> {
  return loco.run(args, {
    home,
    cwd: repo,
    env: { LOCO_TENANT: world.tenants[0].name, LOCO_PROFILE: world.profile },
    timeoutMs: 180_000,
    ...(stdin !== undefined ? { stdin } : {}),
  });
}

const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);
const runNameIn = (result: LocoResult) => /as run (\S+?)…/.exec(result.stderr)?.[1];

async function jobsOf(run: string): Promise<Job[]> {
  return (await world.api.kube.list<Job>(JOB, namespace, { labelSelector: `loco.dev/run=${run}` })).items;
}

/** Everything the API and the operator log, at their most verbose: no secret value may be in it. */
const logged: string[] = [];
const capture = (name: string) => pino({ name, level: "trace" }, { write: (line: string) => void logged.push(line) });

beforeAll(async () => {
  world = await startApiWorld("oor", {
    operator: {
      keyRing: parseKeyRing(`k1:${randomBytes(32).toString("base64")}`, "test"),
      log: capture("loco-operator"),
    },
    api: { log: capture("loco-api") },
  });
  namespace = `${world.tenants[0].name}-${world.profile}`;
  loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
  home = mkdtempSync(join(tmpdir(), "loco-one-off-home-"));
  repo = mkdtempSync(join(tmpdir(), "loco-one-off-repo-"));
  logs = await cannedLogs({
    namespace,
    containers: {
      "run-task": [
        { time: "2026-11-23T10:00:00.100Z", line: "Applying migration 0042_add_orders" },
        { time: "2026-11-23T10:00:00.200Z", line: "migration failed: relation orders exists" },
      ],
    },
  });
  const developer = await world.token(world.tenants[0].members.developer);
  const minted = await world.api.call("POST", `/v1/tenants/${world.tenants[0].name}/tokens`, {
    token: developer,
    body: { name: "one-off", role: "developer" },
  });
  const { secret } = (await minted.json()) as { secret: string };
  expectExit(await user(["login", world.api.url, "--token-stdin"], secret), 0);
  // The App's own env: one plain variable and one secret, set the way users set them.
  expectExit(await user(["env", "set", "LOG_LEVEL=debug", "--app", world.tenants[0].app]), 0);
  expectExit(await user(["env", "set", "--secret", "DB_PASSWORD", "--app", world.tenants[0].app], APP_SECRET), 0);
}, 240_000);

afterAll(async () => {
  await logs?.remove();
  await world?.stop();
});

describe("loco run -- <command…>", () => {
  it("exits with the command's exit code, printing its log lines, in the App's image, env and secrets", async () => {
    const app = world.tenants[0].app;
    const result = await user(["run", "--app", app, "--pod-annotation", EXIT_3, "--", "sh", "-c", "exit 3"]);
    expectExit(result, 3);
    expect(result.stdout).toContain("Applying migration 0042_add_orders\nmigration failed: relation orders exists\n");
    expect(result.stderr).toMatch(/✗ Run run-[a-z0-9]+ failed \(AbnormalExit, exit code 3\)/);
    const run = runNameIn(result)!;
    expect(run, shown(result)).toBeDefined();
    const [job] = await jobsOf(run);
    const container = job!.spec.template.spec.containers[0]!;
    expect(container.image).toBe(world.appSpec().image);
    expect(container.command).toEqual(["sh", "-c", "exit 3"]);
    expect(container.env).toContainEqual({ name: "LOG_LEVEL", value: "debug" });
    // The App's secret, read from the App's own Secret (Run spec.app), never copied into the Run.
    expect(container.env).toContainEqual({
      name: "DB_PASSWORD",
      valueFrom: { secretKeyRef: { name: `${app}-secrets`, key: "DB_PASSWORD" } },
    });
    const runObject = await world.api.call(
      "GET",
      `/v1/tenants/${world.tenants[0].name}/runs/${run}?profile=${world.profile}`,
      {
        token: await world.token(world.tenants[0].members.viewer),
      },
    );
    const text = await runObject.text();
    expect(text).not.toContain(APP_SECRET);
    expect((JSON.parse(text) as { spec: { app?: string } }).spec.app).toBe(app);
  });

  it("exits 0 when the command succeeds, and reports as ndjson with -o json", async () => {
    const result = await user(["run", "--app", world.tenants[0].app, "-o", "json", "--", "./manage", "migrate"]);
    expectExit(result, 0);
    const records = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((r) => r.type === "log").map((r) => r.line)).toContain("Applying migration 0042_add_orders");
    expect(records.at(-1)).toMatchObject({ type: "result", phase: "Succeeded", exitCode: 0, exit: 0 });
  });

  it("with --image runs without an App, and --detach prints the run's name at once", async () => {
    const result = await user(["run", "--image", "registry.example.com/tools/busybox:1.37", "--detach", "--", "true"]);
    expectExit(result, 0);
    const run = result.stdout.trim();
    expect(run).toMatch(/^run-[a-z0-9]+$/);
    await eventually("the detached run's Job", async () => ((await jobsOf(run)).length > 0 ? true : undefined));
    const [job] = await jobsOf(run);
    expect(job!.spec.template.spec.containers[0]!.image).toBe("registry.example.com/tools/busybox:1.37");
    const watched = await user(["run", "watch", run]);
    expectExit(watched, 0);
  });

  it("says why it can't attach a terminal (-it) before starting anything", async () => {
    const before = (await world.api.kube.list(JOB, namespace)).items.length;
    const result = await user(["run", "-it", "--app", world.tenants[0].app, "--", "sh"]);
    expectExit(result, EXIT_CODES.usage.code);
    expect(result.stderr).toContain("loco run can't attach a terminal here");
    expect(result.stderr).toContain("drop -i/--tty");
    expect(result.stderr).toContain(`loco exec -it ${world.tenants[0].app} -- sh`);
    expect((await world.api.kube.list(JOB, namespace)).items.length).toBe(before);
  });

  it("answers a missing App with not-found, naming it", async () => {
    const result = await user(["run", "--app", "never-there", "--", "true"]);
    expectExit(result, EXIT_CODES.notFound.code);
    expect(result.stderr).toContain("never-there");
  });
});

describe("loco pipeline secrets", () => {
  const pipeline = "deploy";
  const base = () => `/v1/tenants/${world.tenants[0].name}/pipelines/${pipeline}`;

  beforeAll(async () => {
    const applied = await world.api.call("PUT", `${base()}?profile=${world.profile}`, {
      token: await world.token(world.tenants[0].members.developer),
      body: {
        spec: {
          tasks: [
            {
              name: "publish",
              image: "registry.example.com/ci/publish:1",
              resources: { cpu: "10m", memory: "16Mi" },
              secretEnv: [{ name: "NPM_TOKEN", secretKey: "npm-token" }],
            },
          ],
        },
      },
    });
    expect(applied.status, await applied.clone().text()).toBe(200);
  });

  it("stores a value from stdin, never echoing it, and refuses one on the command line", async () => {
    const refused = await user(["pipeline", "secrets", "set", pipeline, `npm-token=${SECRET_VALUE}`]);
    expectExit(refused, EXIT_CODES.usage.code);
    expect(refused.stderr).toContain("Refused to read the value of secret npm-token from the command line");

    const set = await user(["pipeline", "secrets", "set", pipeline, "npm-token"], `${SECRET_VALUE}\n`);
    expectExit(set, 0);
    expect(set.stdout).toBe("npm-token\n");
    expect(`${set.stdout}${set.stderr}`).not.toContain(SECRET_VALUE);
    const secret = await world.api.kube.get<KubeObject & { data: Record<string, string> }>(
      SECRET,
      namespace,
      `${pipeline}.pipeline-secrets`,
    );
    expect(Buffer.from(secret.data["npm-token"]!, "base64").toString()).toBe(SECRET_VALUE);
    // Still controlled by the Pipeline: deleted with it, mirrored and restored as its Secret.
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Pipeline", name: pipeline, controller: true });

    // -o json of set: the names the Pipeline's Secret holds, never a value.
    const again = await user(["pipeline", "secrets", "set", pipeline, "npm-token", "-o", "json"], `${SECRET_VALUE}\n`);
    expectExit(again, 0);
    expect(JSON.parse(again.stdout)).toMatchObject({ pipeline, names: ["npm-token"] });
    expect(again.stdout).not.toContain(SECRET_VALUE);

    const listed = await user(["pipeline", "secrets", "ls", pipeline, "-o", "json"]);
    expectExit(listed, 0);
    expect(JSON.parse(listed.stdout)).toEqual({
      pipeline,
      profile: world.profile,
      secret: `${pipeline}.pipeline-secrets`,
      names: ["npm-token"],
    });
    expect(listed.stdout).not.toContain(SECRET_VALUE);
  });

  it("reaches a Run's task through secretEnv", async () => {
    const started = await user(["run", "start", pipeline, "--watch"]);
    expectExit(started, 0);
    const run = /Started run (\S+)/.exec(started.stdout)![1]!;
    const [job] = await jobsOf(run);
    expect(job!.spec.template.spec.containers[0]!.env).toContainEqual({
      name: "NPM_TOKEN",
      valueFrom: { secretKeyRef: { name: `${pipeline}.pipeline-secrets`, key: "npm-token" } },
    });
  });

  it("is mirrored encrypted, and audited by name only", async () => {
    const db = world.api.database.db;
    const row = await eventually("the value in the mirror", async () => {
      const { rows } = await sql<{ app: string; key: string; ciphertext: Buffer }>`
        SELECT app, key, ciphertext FROM secret_versions
        WHERE namespace = ${namespace} AND app = ${`${pipeline}.pipeline-secrets`} AND deleted_at IS NULL`.execute(db);
      return rows[0];
    });
    expect(row.key).toBe("npm-token");
    expect(row.ciphertext.toString("utf8")).not.toContain(SECRET_VALUE);
    expect(row.ciphertext.toString("latin1")).not.toContain(SECRET_VALUE);

    const audit = await world.api.call("GET", `/v1/tenants/${world.tenants[0].name}/audit`, {
      token: await world.token(world.tenants[0].members.owner),
    });
    const text = await audit.text();
    expect(audit.status, text).toBe(200);
    expect(text).toContain("pipelines.secrets");
    expect(text).toContain("npm-token");
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(APP_SECRET);
  });

  it("unset removes the value", async () => {
    const unset = await user(["pipeline", "secrets", "unset", pipeline, "npm-token", "-o", "json"]);
    expectExit(unset, 0);
    expect(JSON.parse(unset.stdout)).toMatchObject({ pipeline, names: [] });
    const listed = await user(["pipeline", "secrets", "ls", pipeline]);
    expectExit(listed, 0);
    expect(listed.stdout).toContain("holds no secret values");
    const secret = await world.api.kube.get<KubeObject & { data?: Record<string, string> }>(
      SECRET,
      namespace,
      `${pipeline}.pipeline-secrets`,
    );
    expect(secret.data?.["npm-token"]).toBeUndefined();
  });

  it("is never written to the API's or the operator's logs, even at trace level", () => {
    const text = logged.join("");
    // The logs are there (the requests that set the value among them), and hold neither value in any encoding.
    expect(text).toContain(`/pipelines/${pipeline}/secrets`);
    for (const value of [SECRET_VALUE, APP_SECRET]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString("base64"));
    }
  });

  it("is out of reach of another tenant and of viewers' writes", async () => {
    const path = `${base()}/secrets?profile=${world.profile}`;
    const other = world.tenants[1];
    for (const member of [other.members.owner, other.members.developer]) {
      const token = await world.token(member);
      expect((await world.api.call("GET", path, { token })).status).toBe(404);
      const write = await world.api.call("PATCH", path, { token, body: { set: { STOLEN: "x" } } });
      expect(write.status).toBe(404);
    }
    const viewer = await world.token(world.tenants[0].members.viewer);
    expect((await world.api.call("GET", path, { token: viewer })).status).toBe(200);
    expect((await world.api.call("PATCH", path, { token: viewer, body: { set: { NOPE: "x" } } })).status).toBe(403);
    const secret = await world.api.kube.get<KubeObject & { data?: Record<string, string> }>(
      SECRET,
      namespace,
      `${pipeline}.pipeline-secrets`,
    );
    expect(Object.keys(secret.data ?? {})).toEqual([]);
  });
});
