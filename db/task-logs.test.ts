import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "./connect.ts";
import { migrateToLatest } from "./migrate.ts";
import { type CapturedTaskLog, normaliseLogTime, TaskLogStore } from "./task-logs.ts";

let handle: DatabaseHandle;
let store: TaskLogStore;
beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
  store = new TaskLogStore(handle.db);
}, 60_000);
afterAll(() => handle.close());

const capture = (overrides: Partial<CapturedTaskLog> & Pick<CapturedTaskLog, "runUid" | "task">): CapturedTaskLog => ({
  namespace: "acme-dev",
  run: "ci-1",
  attempt: 1,
  pod: `ci-1-${overrides.task}-1-abcde`,
  capturedAt: "2026-11-23T10:00:10Z",
  truncated: false,
  lines: [],
  ...overrides,
});

describe("normaliseLogTime", () => {
  it("pads the fraction to nine digits so that text order is time order", () => {
    expect(normaliseLogTime("2026-11-23T10:00:01.1Z")).toBe("2026-11-23T10:00:01.100000000Z");
    expect(normaliseLogTime("2026-11-23T10:00:01Z")).toBe("2026-11-23T10:00:01.000000000Z");
    expect(normaliseLogTime("2026-11-23T10:00:01.123456789Z")).toBe("2026-11-23T10:00:01.123456789Z");
    expect(normaliseLogTime("2026-11-23T12:00:01.5+02:00")).toBe("2026-11-23T10:00:01.500000000Z");
    expect(normaliseLogTime("not a time")).toBeUndefined();
    expect(normaliseLogTime("2026-11-23T10:00:01.1Z")! > normaliseLogTime("2026-11-23T10:00:01.09Z")!).toBe(true);
  });
});

describe("TaskLogStore on embedded PGlite", () => {
  it("merges the tasks of a Run by time, filters one task and keeps a tail", async () => {
    const runUid = randomUUID();
    await store.save(
      capture({
        runUid,
        task: "build",
        lines: [
          { time: "2026-11-23T10:00:01.1Z", stream: "stdout", line: "build 1" },
          { time: "2026-11-23T10:00:03Z", stream: "stderr", line: "build 2" },
          { time: "2026-11-23T10:00:03Z", stream: "stdout", line: "build 3" },
        ],
      }),
    );
    await store.save(
      capture({
        runUid,
        task: "test",
        lines: [
          { time: "2026-11-23T10:00:01.09Z", stream: "stdout", line: "test 1" },
          { time: "2026-11-23T10:00:03Z", stream: "stdout", line: "test 2" },
        ],
      }),
    );
    const all = await store.forRun("acme-dev", "ci-1");
    expect(all.map((l) => l.line)).toEqual(["test 1", "build 1", "build 2", "build 3", "test 2"]);
    expect(all[1]).toEqual({
      time: "2026-11-23T10:00:01.100000000Z",
      task: "build",
      attempt: 1,
      pod: "ci-1-build-1-abcde",
      stream: "stdout",
      line: "build 1",
    });
    expect(all[2]?.stream).toBe("stderr");
    expect((await store.forRun("acme-dev", "ci-1", { task: "test" })).map((l) => l.line)).toEqual(["test 1", "test 2"]);
    expect((await store.forRun("acme-dev", "ci-1", { tailLines: 2 })).map((l) => l.line)).toEqual([
      "build 3",
      "test 2",
    ]);
    expect(await store.forRun("acme-dev", "ci-1", { tailLines: 0 })).toEqual([]);
    await expect(store.forRun("acme-dev", "ci-1", { tailLines: -1 })).rejects.toThrow(/tailLines/);
    expect(await store.forRun("acme-dev", "no-such-run")).toEqual([]);
    expect(await store.forRun("other-namespace", "ci-1")).toEqual([]);
  });

  it("is idempotent per attempt, and a capture with lines replaces one that recorded only an error", async () => {
    const runUid = randomUUID();
    const key = { runUid, run: "idem", task: "deploy", attempt: 2 };
    expect(await store.has(runUid, "deploy", 2)).toBe(false);
    await store.save(capture({ ...key, pod: "", error: "The pod was gone before its logs were read." }));
    expect(await store.has(runUid, "deploy", 2)).toBe(true);
    expect(await store.has(runUid, "deploy", 1)).toBe(false);
    const lines = [{ time: "2026-11-23T10:00:00Z", stream: "stdout" as const, line: "deployed" }];
    await store.save(capture({ ...key, lines }));
    await store.save(capture({ ...key, lines: [{ ...lines[0]!, line: "a replay must not win" }] }));
    await store.save(capture({ ...key, error: "A later failure must not erase the lines." }));
    expect((await store.forRun("acme-dev", "idem")).map((l) => l.line)).toEqual(["deployed"]);
    expect(await store.captures("acme-dev", "idem")).toEqual([
      {
        task: "deploy",
        attempt: 2,
        pod: "ci-1-deploy-1-abcde",
        capturedAt: "2026-11-23T10:00:10.000Z",
        truncated: false,
        lineCount: 1,
      },
    ]);
  });

  it("reads the newest Run of a name: by its mirrored creation time, else by capture time", async () => {
    const [older, newer] = [randomUUID(), randomUUID()];
    const line = (text: string) => [{ time: "2026-11-23T10:00:00Z", stream: "stdout" as const, line: text }];
    // Captured in the opposite order of creation: the mirror's creation time decides.
    await store.save(
      capture({ runUid: newer, run: "again", task: "t", capturedAt: "2026-11-23T09:00:00Z", lines: line("new") }),
    );
    await store.save(
      capture({ runUid: older, run: "again", task: "t", capturedAt: "2026-11-23T11:00:00Z", lines: line("old") }),
    );
    expect((await store.forRun("acme-dev", "again")).map((l) => l.line)).toEqual(["old"]);
    for (const [uid, created] of [
      [older, "2026-11-23T08:00:00Z"],
      [newer, "2026-11-23T08:30:00Z"],
    ] as const) {
      await sql`
        INSERT INTO resources (uid, kind, namespace, name, resource_version, created_at, deleted_at)
        VALUES (${uid}::uuid, 'Run', 'acme-dev', 'again', '1', ${created}::timestamptz,
                ${uid === older ? sql`now()` : sql`NULL`})`.execute(handle.db);
    }
    expect((await store.forRun("acme-dev", "again")).map((l) => l.line)).toEqual(["new"]);
  });

  it("stores a line holding a NUL character and times the lines that carry none like the line before", async () => {
    const runUid = randomUUID();
    await store.save(
      capture({
        runUid,
        run: "odd",
        task: "t",
        lines: [
          { time: "2026-11-23T10:00:05Z", stream: "stdout", line: "a\u0000b" },
          { time: "", stream: "stdout", line: "continued" },
        ],
      }),
    );
    const lines = await store.forRun("acme-dev", "odd");
    expect(lines.map((l) => [l.time, l.line])).toEqual([
      ["2026-11-23T10:00:05.000000000Z", "a\uFFFDb"],
      ["2026-11-23T10:00:05.000000000Z", "continued"],
    ]);
  });
});
