import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../kube/logger.ts";
import type { KubeObject } from "../kube/types.ts";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { Mirror, type MirrorSource } from "./mirror.ts";

/** Stands in for an informer: a list of objects and the handlers a change is announced to. */
class ObjectsSource implements MirrorSource {
  readonly resource = { kind: "App" };
  readonly objects = new Map<string, KubeObject>();
  private readonly handlers: Parameters<MirrorSource["addHandlers"]>[0][] = [];
  list() {
    return [...this.objects.values()];
  }
  addHandlers(handlers: Parameters<MirrorSource["addHandlers"]>[0]) {
    this.handlers.push(handlers);
  }
  upsert(object: KubeObject) {
    this.objects.set(object.metadata.uid ?? "", object);
    for (const h of this.handlers) h.onUpsert?.(object, undefined);
  }
  delete(object: KubeObject) {
    this.objects.delete(object.metadata.uid ?? "");
    for (const h of this.handlers) h.onDelete?.(object);
  }
}

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

const app = (name: string, version: string, image: string, uid: string = randomUUID()): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: {
    name,
    namespace: "acme-prod",
    uid,
    resourceVersion: version,
    generation: 1,
    creationTimestamp: "2026-11-01T00:00:00Z",
  },
  spec: { image },
  status: { observedGeneration: 1 },
});

const rows = async () =>
  (
    await sql<{
      uid: string;
      name: string;
      resource_version: string;
      spec: { image: string };
      deleted: boolean;
      tenant: string | null;
    }>`
      SELECT uid::text, name, resource_version, spec, deleted_at IS NOT NULL AS deleted, tenant FROM resources ORDER BY name, created_at`.execute(
      handle.db,
    )
  ).rows;

describe("Mirror", () => {
  it("mirrors upserts and deletions, writes nothing for a replayed event, and keeps deleted rows", async () => {
    await sql`DELETE FROM resources`.execute(handle.db);
    const source = new ObjectsSource();
    const mirror = new Mirror({ db: handle.db, sources: [source], log: silentLogger, tenantOf: () => "acme" });
    mirror.start();
    const shop = app("shop", "10", "shop:1");
    source.upsert(shop);
    source.upsert(app("cart", "11", "cart:1"));
    await mirror.drained();
    expect(await rows()).toEqual([
      expect.objectContaining({ name: "cart", deleted: false, tenant: "acme" }),
      expect.objectContaining({ name: "shop", resource_version: "10", spec: { image: "shop:1" }, deleted: false }),
    ]);

    const written = mirror.stats.rowsWritten;
    source.upsert(shop); // the same event again
    await mirror.drained();
    expect(mirror.stats.rowsWritten).toBe(written);

    source.upsert({ ...shop, metadata: { ...shop.metadata, resourceVersion: "12" }, spec: { image: "shop:2" } });
    source.delete(app("cart", "13", "cart:1", (await rows())[0]!.uid));
    await mirror.drained();
    expect(await rows()).toEqual([
      expect.objectContaining({ name: "cart", deleted: true }),
      expect.objectContaining({ name: "shop", resource_version: "12", spec: { image: "shop:2" } }),
    ]);
    await mirror.stop();
  });

  it("catches up after the database was unreachable: nothing lost, a re-created name gets its own row", async () => {
    await sql`DELETE FROM resources`.execute(handle.db);
    const source = new ObjectsSource();
    const old = app("web", "20", "web:1");
    source.upsert(old);
    // A database that fails until we say so, in front of the real one.
    let down = true;
    const flaky = new Proxy(handle.db, {
      get(target, property, receiver) {
        if (property === "getExecutor") {
          return () => {
            const executor = target.getExecutor();
            return new Proxy(executor, {
              get(e, p, r) {
                if (p === "executeQuery" && down)
                  return async () =>
                    Promise.reject(Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" }));
                const value = Reflect.get(e, p, r);
                return typeof value === "function" ? value.bind(e) : value;
              },
            });
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const mirror = new Mirror({ db: flaky, sources: [source], log: silentLogger });
    mirror.start();
    // While "down": 30 changes, a deletion and a re-creation under the same name.
    for (let i = 0; i < 30; i++) source.upsert(app(`job-${i}`, String(100 + i), "job:1"));
    source.delete(old);
    source.upsert(app("web", "200", "web:2"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mirror.stats.failures).toBeGreaterThan(0);
    expect(await rows()).toEqual([]);
    down = false;
    await mirror.drained();
    const after = await rows();
    expect(after.filter((r) => r.name.startsWith("job-"))).toHaveLength(30);
    expect(after.filter((r) => r.name === "web").map((r) => [r.spec.image, r.deleted])).toEqual(
      expect.arrayContaining([["web:2", false]]),
    );
    expect(new Set(after.map((r) => r.uid)).size).toBe(after.length);
    await mirror.stop();
  });

  it("does not mirror a lost cluster as deletions, and lets a re-created object replace the lost row", async () => {
    await sql`DELETE FROM resources`.execute(handle.db);
    const source = new ObjectsSource();
    let cluster = "cluster-a";
    const identity = { cached: () => cluster, live: async () => cluster };
    const mirror = new Mirror({ db: handle.db, sources: [source], log: silentLogger, cluster: identity });
    mirror.start();
    const shop = app("shop", "30", "shop:1");
    const cart = app("cart", "31", "cart:1");
    source.upsert(shop);
    source.upsert(cart);
    await mirror.drained();
    // etcd is wiped: a new kube-system uid, and the informers see every object vanish.
    cluster = "cluster-b";
    source.delete(shop);
    source.delete(cart);
    await mirror.drained();
    expect((await rows()).map((r) => [r.name, r.deleted])).toEqual([
      ["cart", false],
      ["shop", false],
    ]);
    expect(mirror.stats.deletionsRefused).toBe(2);
    // The resurrector re-creates shop: a new uid under the same name takes over; the lost row is closed.
    source.upsert(app("shop", "5", "shop:1"));
    await mirror.drained();
    expect((await rows()).map((r) => [r.name, r.resource_version, r.deleted])).toEqual([
      ["cart", "31", false],
      ["shop", "30", true],
      ["shop", "5", false],
    ]);
    // Deleting it in the new cluster is a real deletion.
    source.delete(app("shop", "6", "shop:1", (await rows())[2]!.uid));
    await mirror.drained();
    expect((await rows()).filter((r) => !r.deleted).map((r) => r.name)).toEqual(["cart"]);
    await mirror.stop();
  });

  it("records deployments and condition transitions in the timeline, once each", async () => {
    await sql`DELETE FROM resources`.execute(handle.db);
    await sql`DELETE FROM events`.execute(handle.db);
    await sql`DELETE FROM deployments`.execute(handle.db);
    const source = new ObjectsSource();
    const mirror = new Mirror({ db: handle.db, sources: [source], log: silentLogger, tenantOf: () => "acme" });
    mirror.start();
    const uid = randomUUID();
    const deployed = (version: string, id: string, readyStatus: string, at: string): KubeObject => ({
      ...app("shop", version, "shop:1", uid),
      status: {
        deploymentId: id,
        lastDeployTime: at,
        conditions: [
          {
            type: "Ready",
            status: readyStatus,
            reason: readyStatus === "True" ? "Available" : "Progressing",
            lastTransitionTime: at,
            message: "",
          },
        ],
      },
    });
    source.upsert(deployed("40", "01JD000000000000000000000A", "False", "2026-11-01T00:00:00Z"));
    await mirror.drained();
    source.upsert(deployed("41", "01JD000000000000000000000A", "True", "2026-11-01T00:01:00Z"));
    await mirror.drained();
    source.upsert(deployed("41", "01JD000000000000000000000A", "True", "2026-11-01T00:01:00Z")); // replay
    source.upsert(deployed("42", "01JD000000000000000000000B", "False", "2026-11-01T00:02:00Z"));
    await mirror.drained();
    const deployments = await sql<{ id: string; outcome: string; tenant: string }>`
      SELECT id, outcome, tenant FROM deployments ORDER BY id`.execute(handle.db);
    expect(deployments.rows).toEqual([
      { id: "01JD000000000000000000000A", outcome: "Available", tenant: "acme" },
      { id: "01JD000000000000000000000B", outcome: "Progressing", tenant: "acme" },
    ]);
    const events = await sql<{ reason: string }>`SELECT reason FROM events ORDER BY occurred_at, id`.execute(handle.db);
    expect(events.rows.map((e) => e.reason)).toEqual([
      "Progressing",
      "DeploymentStarted",
      "Available",
      "DeploymentAvailable",
      "Progressing",
      "DeploymentStarted",
    ]);
    await mirror.stop();
  });
});
