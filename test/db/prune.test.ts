// Retention on a real PostgreSQL server: `prune` removes old task logs, Runs gone from the cluster, their timeline
// and old soft-deleted mirror rows, batch by batch — and nothing the resurrector rebuilds from: a live row stays
// however old it is (a cluster lost weeks ago still has its state in the database), so a rebuild after a prune
// brings back exactly the live objects and never a pruned one.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { prune } from "../../db/prune.ts";
import { loadStoredState } from "../../resurrector/database.ts";
import { desiredObjects } from "../../resurrector/objects.ts";
import { planRestore } from "../../resurrector/plan.ts";
import { createTestDatabase } from "../support/database.ts";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DatabaseHandle;
const DAY = 86_400_000;
const now = Date.now();
const daysAgo = (n: number) => new Date(now - n * DAY).toISOString();
const ns = "acme-dev";

async function resource(row: {
  kind: string;
  name: string;
  spec?: unknown;
  status?: unknown;
  updatedDaysAgo?: number;
  deletedDaysAgo?: number;
}): Promise<string> {
  const uid = randomUUID();
  await handle.db
    .insertInto("resources")
    .values({
      uid,
      api_version: row.kind === "Namespace" ? "v1" : "loco.dev/v1alpha1",
      kind: row.kind,
      namespace: row.kind === "Namespace" ? "" : ns,
      name: row.name,
      tenant: "acme",
      resource_version: "1",
      spec: JSON.stringify(row.spec ?? {}),
      status: JSON.stringify(row.status ?? {}),
      created_at: daysAgo(90),
      updated_at: daysAgo(row.updatedDaysAgo ?? 0),
      deleted_at: row.deletedDaysAgo === undefined ? null : daysAgo(row.deletedDaysAgo),
    } as never)
    .execute();
  return uid;
}

async function taskLog(runUid: string, task: string, capturedDaysAgo: number): Promise<void> {
  await sql`
    INSERT INTO task_logs (run_uid, task, attempt, namespace, run, captured_at, line_count, lines)
    VALUES (${runUid}::uuid, ${task}, 1, ${ns}, 'r', ${daysAgo(capturedDaysAgo)}::timestamptz, 1,
            ${JSON.stringify([{ time: daysAgo(capturedDaysAgo), stream: "stdout", line: "hello" }])}::jsonb)`.execute(
    handle.db,
  );
}

async function runEvent(name: string, occurredDaysAgo: number): Promise<void> {
  await handle.db
    .insertInto("events")
    .values({
      tenant: "acme",
      namespace: ns,
      kind: "Run",
      name,
      type: "Normal",
      reason: "Started",
      message: "",
      actor: null,
      occurred_at: daysAgo(occurredDaysAgo),
    } as never)
    .execute();
}

const names = async (kind: string) =>
  (
    await sql<{ name: string }>`SELECT name FROM resources WHERE kind = ${kind} ORDER BY name`.execute(handle.db)
  ).rows.map((r) => r.name);

beforeAll(async () => {
  database = await createTestDatabase("loco_prune");
  handle = await connectDatabase(database.url);
  await migrateToLatest(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe("loco-db prune", () => {
  it("removes old history in batches and keeps every live row and everything newer", async () => {
    await resource({ kind: "Namespace", name: ns, updatedDaysAgo: 60 });
    // Live for 60 days without a change (or in a cluster lost 60 days ago): kept.
    await resource({ kind: "App", name: "web", spec: { image: "web:1" }, updatedDaysAgo: 60 });
    await resource({ kind: "App", name: "old-gone", spec: { image: "x:1" }, deletedDaysAgo: 40 });
    await resource({ kind: "App", name: "lately-gone", spec: { image: "x:1" }, deletedDaysAgo: 5 });
    const finishedGone = await resource({
      kind: "Run",
      name: "run-finished-gone",
      status: { completionTime: daysAgo(45).replace(/\.\d+Z$/, "Z") },
      deletedDaysAgo: 2,
    });
    await resource({
      kind: "Run",
      name: "run-finished-live",
      status: {
        completionTime: daysAgo(45).replace(/\.\d+Z$/, "Z"),
        conditions: [{ type: "Succeeded", status: "True", reason: "Completed" }],
      },
    });
    await resource({ kind: "Run", name: "run-running", status: { startTime: daysAgo(40) } });
    await resource({
      kind: "Run",
      name: "run-recent-gone",
      status: { completionTime: daysAgo(3).replace(/\.\d+Z$/, "Z") },
      deletedDaysAgo: 1,
    });
    for (let i = 0; i < 25; i++) await taskLog(finishedGone, `old-${i}`, 31 + i);
    await taskLog(finishedGone, "new", 29);
    await runEvent("run-finished-gone", 45);
    await runEvent("run-recent-gone", 3);

    const batches: [string, number][] = [];
    const report = await prune(handle.db, {
      cutoff: new Date(now - 30 * DAY),
      batchSize: 10,
      onBatch: (target, deleted) => batches.push([target, deleted]),
    });

    expect(report).toMatchObject({ taskLogs: 25, runEvents: 1, runs: 1, deletedRows: 1 });
    // 25 task logs by 10: 10, 10, 5 — never more than a batch in one transaction.
    expect(batches.filter(([t]) => t === "taskLogs").map(([, n]) => n)).toEqual([10, 10, 5]);
    const { rows: logs } = await sql<{ task: string }>`SELECT task FROM task_logs`.execute(handle.db);
    expect(logs.map((r) => r.task)).toEqual(["new"]);
    expect(await names("App")).toEqual(["lately-gone", "web"]);
    expect(await names("Run")).toEqual(["run-finished-live", "run-recent-gone", "run-running"]);
    const { rows: events } = await sql<{ name: string }>`SELECT name FROM events WHERE kind = 'Run'`.execute(handle.db);
    expect(events.map((e) => e.name)).toEqual(["run-recent-gone"]);

    // A second prune finds nothing more.
    expect(await prune(handle.db, { cutoff: new Date(now - 30 * DAY), batchSize: 10 })).toMatchObject({
      taskLogs: 0,
      runEvents: 0,
      runs: 0,
      deletedRows: 0,
    });
  });

  it("leaves the resurrector exactly the live objects: a rebuild never brings back pruned history", async () => {
    const stored = await loadStoredState(handle.db, undefined);
    const plan = planRestore({
      desired: desiredObjects(stored),
      live: new Map(),
      reportable: [],
      runs: stored.runs,
      liveRunUids: new Set(),
      force: false,
    });
    const created = plan.items.filter((i) => i.action === "create" && i.kind !== "CustomResourceDefinition");
    expect(created.map((i) => `${i.kind}/${i.name}`).sort()).toEqual(["App/web", `Namespace/${ns}`]);
    // Runs are never re-created: of the live rows, the one without an end is recorded as interrupted, the finished
    // one archived.
    expect(plan.items.filter((i) => i.kind === "Run").map((i) => `${i.action} ${i.name}`)).toEqual([
      "archive run-finished-live",
      "interrupt run-running",
    ]);
    expect(plan.items.map((i) => i.name)).not.toContain("old-gone");
    expect(plan.items.map((i) => i.name)).not.toContain("run-finished-gone");
  });
});
