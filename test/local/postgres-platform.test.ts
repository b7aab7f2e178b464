// `npm start -- --database-url postgres://…`: the local platform keeps its data in the given Postgres server and
// opens no embedded database. Runs a local loco of its own in a temp folder, owned by this test process.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { connectDatabase } from "../../db/connect.ts";
import { stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { LOCAL_TENANT, LOCAL_USER, startLocalLoco } from "../../hack/control-plane/local-loco.ts";
import { createTestDatabase } from "../support/database.ts";

// Several local platforms run at once in the suite: none may take the well-known ports 8800/8801.
process.env.LOCO_LOCAL_ANY_PORTS = "1";
const root = mkdtempSync(join(tmpdir(), "loco-test-pg-platform-"));
const dir = join(root, "cluster");
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

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
    const loco = await startLocalLoco({ dir, ownerPid: process.pid, databaseUrl: database.url });
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
});
