// `npm start -- --database-url postgres://…`: the local platform keeps its data in the given Postgres server and
// opens no embedded database; and a Run's tasks there get a credential and an API address that work. Runs a local
// loco of its own in a temp folder, owned by this test process.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { RUN } from "../../crds/kinds.ts";
import { connectDatabase } from "../../db/connect.ts";
import { stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { LOCAL_TENANT, LOCAL_USER, type LocalLoco, startLocalLoco } from "../../hack/control-plane/local-loco.ts";
import { readCliToken } from "../../hack/local/platform.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { JOB, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { createTestDatabase } from "../support/database.ts";
import { eventually } from "../support/kube.ts";

// Several local platforms run at once in the suite: none may take the well-known ports 8800/8801.
process.env.LOCO_LOCAL_ANY_PORTS = "1";
const root = mkdtempSync(join(tmpdir(), "loco-test-pg-platform-"));
const dir = join(root, "cluster");
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let loco: LocalLoco | undefined;

afterAll(async () => {
  await stopControlPlane(dir);
  await database?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe("the local platform on a Postgres server (--database-url)", () => {
  it("keeps the tenant, its owner and the mirrored Profiles in that server and opens no embedded database", {
    timeout: 420_000,
  }, async () => {
    database = await createTestDatabase("platform");
    loco = await startLocalLoco({ dir, ownerPid: process.pid, databaseUrl: database.url });
    expect(loco.platform.database).toMatch(/^postgres:\/\//);
    expect(loco.platform.database).not.toContain(new URL(database.url).password || "\u0000");
    expect(existsSync(join(loco.platformDir, "db"))).toBe(false);

    const handle = await connectDatabase(database.url);
    try {
      const owners = await sql<{ subject: string; role: string }>`
        SELECT subject, role FROM members WHERE tenant = ${LOCAL_TENANT}`.execute(handle.db);
      expect(owners.rows).toEqual([{ subject: LOCAL_USER, role: "owner" }]);
      const profiles = await sql<{ name: string }>`
        SELECT name FROM resources WHERE kind = 'Profile' AND deleted_at IS NULL ORDER BY name`.execute(handle.db);
      expect(profiles.rows.map((r) => r.name)).toEqual(["dev", "prod"]);
    } finally {
      await handle.close();
    }
  });

  it("gives a Run's tasks its credential and the local API's address, and the credential works there", {
    timeout: 180_000,
  }, async () => {
    if (!loco) throw new Error("the local platform did not start (see the test above)");
    const cli = readCliToken(loco.platformDir);
    if (!cli) throw new Error("the local platform wrote no CLI token");
    const api = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${loco!.platform.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const base = `/v1/tenants/${LOCAL_TENANT}`;
    const app = await api("PUT", `${base}/apps/web?profile=dev`, cli.token, {
      spec: { profile: "dev", image: "registry.example.com/acme/web:1", ports: [{ name: "http", port: 8080 }] },
    });
    expect(app.status, await app.clone().text()).toBe(200);
    const pipeline = await api("PUT", `${base}/pipelines/ship?profile=dev`, cli.token, {
      spec: {
        permissions: { deploy: [{ app: "web" }] },
        // More CPU than the tenant may have: its pod never starts, so the Run (and its credential) lasts.
        tasks: [
          {
            name: "hold",
            image: "registry.example.com/tools/busybox:1.37",
            command: ["sleep", "3600"],
            resources: { cpu: "4000" },
          },
        ],
      },
    });
    expect(pipeline.status, await pipeline.clone().text()).toBe(200);
    const started = await api("POST", `${base}/pipelines/ship/runs?profile=dev`, cli.token, {});
    expect(started.status, await started.clone().text()).toBe(201);
    const { name: run } = (await started.json()) as { name: string };

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(loco.state.kubeconfig);
    const kube = await KubeClient.create(kubeConfig, { userAgent: "loco-test" });
    try {
      const namespace = `${LOCAL_TENANT}-dev`;
      type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
      const job = await eventually(`the Job of Run ${run}`, async () => {
        const jobs = await kube.list<KubeObject & { spec: { template: { spec: { containers: { env?: Env[] }[] } } } }>(
          JOB,
          namespace,
          { labelSelector: `loco.dev/run=${run}` },
        );
        return jobs.items[0];
      });
      const env = job.spec.template.spec.containers[0]?.env ?? [];
      expect(env.find((e) => e.name === "LOCO_SERVER")?.value).toBe(loco.platform.apiUrl);
      const ref = env.find((e) => e.name === "LOCO_TOKEN")?.valueFrom?.secretKeyRef;
      expect(ref).toBeDefined();
      const secret = await kube.get(SECRET, namespace, ref!.name);
      const token = Buffer.from((secret.data as Record<string, string>)[ref!.key]!, "base64").toString();
      // What the task would do: call the API at LOCO_SERVER with LOCO_TOKEN.
      const server = env.find((e) => e.name === "LOCO_SERVER")!.value!;
      const read = await fetch(`${server}${base}/apps/web?profile=dev`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.status, await read.clone().text()).toBe(200);
      expect((await kube.get(RUN, namespace, run)).status).toMatchObject({ credential: { secretName: ref!.name } });
      await api("POST", `${base}/runs/${run}/cancel?profile=dev`, cli.token, {});
    } finally {
      kube.close();
    }
  });
});
