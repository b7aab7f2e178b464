import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateToLatest } from "../migrate.ts";
import { getRelease, latestRelease, listReleases, recordRelease, recordReleaseIfChanged } from "./releases.ts";

let handle: DatabaseHandle;
const web = { tenant: "acme", namespace: "acme-prod", app: "web" };
const release = (kind: "deploy" | "env", n: number) => ({
  ...web,
  kind,
  actor: "oidc:ann",
  source: { kind: "user" as const, subject: "ann" },
  changes: kind === "env" ? { env: { added: [`V${n}`], removed: [], changed: [] } } : {},
  spec: { image: `registry.example.com/acme/web:${n}` },
  secrets: { DB: null },
  deploymentId: null,
});

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("releases on embedded PGlite", () => {
  it("numbers an App's releases from 1 without gaps, even when written at once", async () => {
    const numbers = await Promise.all(Array.from({ length: 8 }, (_, i) => recordRelease(handle.db, release("env", i))));
    expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Another App counts on its own.
    expect(await recordRelease(handle.db, { ...release("deploy", 0), app: "api" })).toBe(1);
  });

  it("pages newest first, reads one with its spec, and never another tenant's", async () => {
    const first = await listReleases(handle.db, { ...web, limit: 3 });
    expect(first.map((r) => r.number)).toEqual([8, 7, 6]);
    const next = await listReleases(handle.db, { ...web, before: 6, limit: 10 });
    expect(next.map((r) => r.number)).toEqual([5, 4, 3, 2, 1]);
    expect((await getRelease(handle.db, { ...web, number: 3 }))?.spec).toMatchObject({ image: expect.any(String) });
    expect((await latestRelease(handle.db, web))?.number).toBe(8);
    expect(await getRelease(handle.db, { ...web, tenant: "globex", number: 3 })).toBeUndefined();
    expect(await listReleases(handle.db, { ...web, tenant: "globex", limit: 10 })).toEqual([]);
  });

  it("puts each release on the App's timeline once, by name", async () => {
    const { rows } = await sql<{ message: string; reason: string }>`
      SELECT message, reason FROM events WHERE namespace = 'acme-prod' AND name = 'web' ORDER BY id`.execute(handle.db);
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.reason === "Released")).toBe(true);
    expect(rows.map((r) => r.message)).toContain("Release 1 — env: env +V0");
  });

  it("records a change made outside the API once, with the commit it came from, and its changes since the last release", async () => {
    const sha = "3f786850e387550fdab836ed7e6dc881de23001b";
    const change = {
      ...web,
      kind: "apply" as const,
      actor: "argocd-controller",
      source: { kind: "git" as const, revision: sha, managers: ["argocd-controller"] },
      // Keys in another order than stored: the comparison is of JSON values, not text.
      spec: { replicas: 2, image: "registry.example.com/acme/web:git" },
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      gitRevision: sha,
    };
    // Written at once, as replays of one object could be: one release.
    const numbers = await Promise.all([1, 2, 3].map(() => recordReleaseIfChanged(handle.db, change)));
    expect(numbers.filter((n) => n !== undefined)).toEqual([9]);
    expect(
      await recordReleaseIfChanged(handle.db, { ...change, spec: { image: change.spec.image, replicas: 2 } }),
    ).toBe(undefined);
    const nine = await getRelease(handle.db, { ...web, number: 9 });
    expect(nine).toMatchObject({
      kind: "apply",
      actor: "argocd-controller",
      source: { kind: "git", revision: sha, managers: ["argocd-controller"] },
      gitRevision: sha,
      deploymentId: change.deploymentId,
      // The secrets' versions carry over from release 8: a change from Git does not touch the App's Secret.
      secrets: { DB: null },
      changes: {
        image: { before: expect.stringMatching(/^registry.example.com\/acme\/web:\d$/), after: change.spec.image },
        replicas: { before: null, after: 2 },
      },
    });
    const { rows } = await sql<{ message: string; actor: string }>`
      SELECT message, actor FROM events WHERE source_key = 'release/acme-prod/web/9'`.execute(handle.db);
    expect(rows).toEqual([
      {
        message: `Release 9 — apply: image registry.example.com/acme/web:git; replicas - → 2 (Git commit ${sha})`,
        actor: "argocd-controller",
      },
    ]);
    // The API's releases name no commit.
    expect((await getRelease(handle.db, { ...web, number: 8 }))?.gitRevision).toBe(null);
  });
});
