import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../connect.ts";
import { migrateBefore, migrateToLatest } from "../migrate.ts";

let handle: DatabaseHandle;
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

/** The actors releases were recorded with before 0012, in each form the API and the mirror write. */
const legacy: [actor: string, gitRevision: string | null][] = [
  ["oidc:ann@example.com", null],
  ["token:01JD6Z7Q5V8K2M4N6P8R0T2W4Y (ci-bot (nightly))", null],
  ["run:acme-dev/ship-x7k2m (pipeline ship)", null],
  ["run:acme-dev/run-m3x9k2ab", null],
  ["argocd-controller", SHA],
  ["kubectl-edit, kubectl-patch", null],
];

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  // The database as it stood before 0012, with releases in it.
  await migrateBefore(handle.db, "0012");
  for (const [index, [actor, gitRevision]] of legacy.entries()) {
    await sql`
      INSERT INTO releases (tenant, namespace, app, number, kind, actor, spec, git_revision)
      VALUES ('acme', 'acme-dev', 'web', ${index + 1}, 'deploy', ${actor}, '{}'::jsonb, ${gitRevision})`.execute(
      handle.db,
    );
  }
  await migrateToLatest(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("migration 0012 (release source)", () => {
  it("gives releases recorded before it the source their actor and Git revision say", async () => {
    const { rows } = await sql<{ source: unknown }>`
      SELECT source FROM releases WHERE namespace = 'acme-dev' ORDER BY number`.execute(handle.db);
    expect(rows.map((r) => r.source)).toEqual([
      { kind: "user", subject: "ann@example.com" },
      { kind: "token", token: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y", subject: "ci-bot (nightly)" },
      { kind: "run", namespace: "acme-dev", run: "ship-x7k2m", pipeline: "ship" },
      { kind: "run", namespace: "acme-dev", run: "run-m3x9k2ab", pipeline: null },
      { kind: "git", revision: SHA, managers: ["argocd-controller"] },
      { kind: "external", managers: ["kubectl-edit", "kubectl-patch"] },
    ]);
  });

  it("requires a source of every release recorded after it", async () => {
    await expect(
      sql`INSERT INTO releases (tenant, namespace, app, number, kind, actor, spec)
          VALUES ('acme', 'acme-dev', 'web', 99, 'deploy', 'oidc:ann', '{}'::jsonb)`.execute(handle.db),
    ).rejects.toThrow(/source/);
  });
});
