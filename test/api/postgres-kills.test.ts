// Postgres killed mid-write, short form (the long one is `npm run bench:postgres-kills`): kill -9 of every server
// process 3 times while the API takes writes and the mirror follows 20 changes/s. Every acknowledged write is in the
// database afterwards, the mirror catches up with nothing lost or doubled, and while the database is gone the API
// answers 503 with Retry-After — never 500, never a dropped connection. A private Postgres server: killing the
// suite's shared one would break every other file.
import { describe, expect, inject, it } from "vitest";
import { newShard, SHARD_LABEL } from "../support/operator.ts";
import { runPostgresKills } from "../support/postgres-kills.ts";

describe("Postgres killed while the API writes and the mirror follows", () => {
  it("loses no acknowledged write, doubles nothing, and answers 503 with Retry-After while it is gone", async () => {
    const result = await runPostgresKills({
      kubeconfig: inject("kubeconfig"),
      ownerPid: process.pid,
      shard: { label: SHARD_LABEL, value: newShard() },
      kills: 3,
      upMs: 2500,
      downMs: 1500,
      changesPerSecond: 20,
      apps: 10,
      apiClients: 2,
    });
    expect(result.unexpected).toEqual([]);
    expect(result.apiStatuses["503"], "some requests met the database gone").toBeGreaterThan(0);
    expect(result.unavailableWithoutRetryAfter).toBe(0);
    expect(result.acknowledgedMemberWrites).toBeGreaterThan(0);
    expect(result.acknowledgedAppWrites).toBeGreaterThan(0);
    expect(result.lostMemberWrites).toBe(0);
    expect(result.lostAppWrites).toBe(0);
    expect(result.unauditedWrites).toBe(0);
    expect(result.duplicateRows).toBe(0);
    // 20 a second are asked for; a loaded apiserver takes fewer, but the mirror must have followed some.
    expect(result.clusterChanges).toBeGreaterThan(20);
    expect(result.mirrorCatchUpMs).toBeLessThan(60_000);
  }, 400_000);
});
