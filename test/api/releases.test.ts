// Releases and secret versions against the real API, operator (with a key-encryption key) and PostgreSQL: every
// change of what an App runs is a numbered release naming secrets by version; `loco rollback <release>` brings back
// that release's secret value in the cluster's Secret (restored by the operator from the encrypted versions) as a
// new release; versions beyond the operator's retention are deleted and a rollback to them is refused; and no
// table — nor a pg_dump of the whole database — ever holds a plaintext value.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretName } from "../../crds/app-names.ts";
import { parseKeyRing } from "../../db/secret-crypto.ts";
import { SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";
import { findPostgresBin } from "../support/postgres-server.ts";

let world: ApiWorld;
let developer: string;
let tenant: string;
let namespace: string;

// Values no table may hold; long and random so that a match cannot be a coincidence.
const FIRST = `first-${randomBytes(12).toString("hex")}`;
const SECOND = `second-${randomBytes(12).toString("hex")}`;
const LATER = [1, 2, 3].map((n) => `later${n}-${randomBytes(12).toString("hex")}`);

type Release = {
  number: number;
  kind: string;
  actor: string;
  source: unknown;
  changes: { secrets?: { added: string[]; changed: string[]; removed: string[] }; env?: { added: string[] } };
  secrets: Record<string, string | null>;
  deploymentId: string | null;
  rollbackOf: number | null;
};

const call = (method: string, path: string, body?: unknown) =>
  world.api.call(
    method,
    `/v1/tenants/${tenant}/apps/${path}${path.includes("?") ? "&" : "?"}profile=${world.profile}`,
    { token: developer, body },
  );

const releases = async (app: string): Promise<Release[]> => {
  const response = await call("GET", `${app}/releases?limit=100`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Release[] }).items;
};

const secretValue = async (app: string, key: string) => {
  const secret = await world.api.kube.find<KubeObject & { data?: Record<string, string> }>(
    SECRET,
    namespace,
    secretName(app),
  );
  const data = secret?.data?.[key];
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
};

/** Waits until the mirror has stored the value the Secret names by `version`. */
const mirrored = (app: string, key: string, version: string) =>
  eventually(`version ${version} of ${key} in the database`, async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM secret_versions
      WHERE namespace = ${namespace} AND app = ${app} AND key = ${key} AND version_id = ${version}`.execute(
      world.api.database.db,
    );
    return Number(rows[0]?.n) > 0 ? true : undefined;
  });

const setSecret = async (app: string, key: string, value: string): Promise<string> => {
  const response = await call("PATCH", `${app}/env`, { set: { [key]: value }, secret: true });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(await response.text()).not.toContain(value);
  const [newest] = await releases(app);
  const version = newest?.secrets[key];
  expect(version).toMatch(/^[0-9A-Z]{26}$/);
  await mirrored(app, key, version as string);
  return version as string;
};

beforeAll(async () => {
  world = await startApiWorld("rel", {
    operator: { keyRing: parseKeyRing(`k1:${randomBytes(32).toString("base64")}`, "test"), secretVersionRetention: 3 },
  });
  tenant = world.tenants[0].name;
  namespace = `${tenant}-${world.profile}`;
  developer = await world.token(world.tenants[0].members.developer);
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe("releases", () => {
  it("numbers every deploy, env, secret, scale and rollback, names secrets by version, and restores a secret's value on rollback", async () => {
    const spec = { ...world.appSpec("registry.example.com/acme/shop:1"), env: [{ name: "LOG_LEVEL", value: "info" }] };
    const deployed = await call("POST", "shop/deployments", { spec });
    expect(deployed.status, await deployed.clone().text()).toBe(202);
    const { deploymentId } = (await deployed.json()) as { deploymentId: string };

    const v1 = await setSecret("shop", "DB_PASSWORD", FIRST);
    expect((await call("PATCH", "shop/env", { set: { FEATURE: "on" } })).status).toBe(200);
    expect((await call("POST", "shop/scale", { replicas: 2 })).status).toBe(200);
    const v2 = await setSecret("shop", "DB_PASSWORD", SECOND);
    expect(v2).not.toBe(v1);
    // The same value again is no new version and no release.
    expect((await call("PATCH", "shop/env", { set: { DB_PASSWORD: SECOND }, secret: true })).status).toBe(200);

    const list = await releases("shop");
    expect(list.map((r) => [r.number, r.kind])).toEqual([
      [5, "secrets"],
      [4, "scale"],
      [3, "env"],
      [2, "secrets"],
      [1, "deploy"],
    ]);
    expect(list[4]).toMatchObject({
      deploymentId,
      actor: `oidc:${world.tenants[0].members.developer}`,
      source: { kind: "user", subject: world.tenants[0].members.developer },
      rollbackOf: null,
    });
    expect(list[3]?.changes.secrets).toEqual({ added: ["DB_PASSWORD"], removed: [], changed: [] });
    expect(list[3]?.secrets).toEqual({ DB_PASSWORD: v1 });
    expect(list[2]?.changes.env?.added).toEqual(["FEATURE"]);
    expect(list[0]?.changes.secrets).toEqual({ added: [], removed: [], changed: ["DB_PASSWORD"] });
    expect(list[0]?.secrets).toEqual({ DB_PASSWORD: v2 });
    for (const r of list) expect(r.deploymentId, `release ${r.number}`).toMatch(/^[0-9A-Z]{26}$/);

    // Keyset pages: two, two, one.
    const page = (await (await call("GET", "shop/releases?limit=2")).json()) as {
      items: Release[];
      nextCursor: string;
    };
    expect(page.items.map((r) => r.number)).toEqual([5, 4]);
    const next = (await (await call("GET", `shop/releases?limit=2&cursor=${page.nextCursor}`)).json()) as {
      items: Release[];
    };
    expect(next.items.map((r) => r.number)).toEqual([3, 2]);
    const one = (await (await call("GET", "shop/releases/3")).json()) as { spec: { env: { name: string }[] } };
    expect(one.spec.env.map((e) => e.name).sort()).toEqual(["FEATURE", "LOG_LEVEL"]);
    expect((await call("GET", "shop/releases/99")).status).toBe(404);

    // Back to release 3: FIRST was the value then.
    expect(await secretValue("shop", "DB_PASSWORD")).toBe(SECOND);
    const rolled = await call("POST", "shop/releases/3/rollback");
    expect(rolled.status, await rolled.clone().text()).toBe(202);
    await eventually("the Secret holding release 3's value", async () =>
      (await secretValue("shop", "DB_PASSWORD")) === FIRST ? true : undefined,
    );
    const [six] = await releases("shop");
    expect(six).toMatchObject({ number: 6, kind: "rollback", rollbackOf: 3, secrets: { DB_PASSWORD: v1 } });
    // Release 3's spec had no replicas (scale came after it): the App runs release 3's spec again.
    const live = (await (await call("GET", "shop")).json()) as { spec: { replicas?: number } };
    expect(live.spec.replicas).toBeUndefined();
    const timeline = (await (await call("GET", "shop/timeline?limit=100")).json()) as {
      items: { reason: string; message: string }[];
    };
    const released = timeline.items.filter((e) => e.reason === "Released").map((e) => e.message);
    expect(released).toHaveLength(6);
    expect(released[0]).toContain("Release 6");
    expect(released.join("\n")).toContain("~DB_PASSWORD");

    // The secrets view: names and version ids, never a value.
    const view = await call("GET", "shop/secrets");
    const text = await view.text();
    expect(view.status).toBe(200);
    expect(text).not.toContain(FIRST);
    expect(text).not.toContain(SECOND);
    expect(JSON.parse(text).secrets[0]).toMatchObject({ name: "DB_PASSWORD", version: v1 });
  });

  it("deletes versions beyond the retention, and refuses a rollback that needs one", async () => {
    const v2 = (await releases("shop")).find((r) => r.number === 5)?.secrets.DB_PASSWORD as string;
    for (const value of LATER) await setSecret("shop", "DB_PASSWORD", value);
    const { rows } = await sql<{ version_id: string | null }>`
      SELECT version_id FROM secret_versions WHERE namespace = ${namespace} AND app = 'shop' AND key = 'DB_PASSWORD'`.execute(
      world.api.database.db,
    );
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.version_id)).not.toContain(v2);
    const refused = await call("POST", "shop/releases/5/rollback");
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("DB_PASSWORD");
  });

  it("never stores a plaintext value: not in any table, not in a pg_dump of the database", async () => {
    const values = [FIRST, SECOND, ...LATER];
    const tables = ["secret_versions", "releases", "events", "deployment_requests", "audit_log", "resources"];
    for (const table of tables) {
      const { rows } = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(table)} t`.execute(
        world.api.database.db,
      );
      const all = rows.map((r) => r.row).join("\n");
      for (const value of values) {
        expect(all, table).not.toContain(value);
        expect(all, table).not.toContain(Buffer.from(value).toString("hex"));
        expect(all, table).not.toContain(Buffer.from(value).toString("base64"));
      }
    }
    const dump = execFileSync(join(findPostgresBin(), "pg_dump"), ["--data-only", world.databaseUrl], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(dump).toContain("secret_versions");
    for (const value of values) {
      expect(dump).not.toContain(value);
      expect(dump).not.toContain(Buffer.from(value).toString("base64"));
    }
  });
});

describe("loco releases, secrets and rollback", () => {
  let loco: Loco;
  let home: string;
  let repo: string;
  const user = (args: string[], stdin?: string): Promise<LocoResult> =>
    loco.run(args, {
      home,
      cwd: repo,
      env: { LOCO_TENANT: tenant, LOCO_PROFILE: world.profile },
      timeoutMs: 180_000,
      ...(stdin !== undefined ? { stdin } : {}),
    });

  beforeAll(async () => {
    loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
    home = mkdtempSync(join(tmpdir(), "loco-rel-home-"));
    repo = mkdtempSync(join(tmpdir(), "loco-rel-repo-"));
    const minted = await world.api.call("POST", `/v1/tenants/${tenant}/tokens`, {
      token: developer,
      body: { name: "rel", role: "developer" },
    });
    const { secret } = (await minted.json()) as { secret: string };
    const login = await user(["login", world.api.url, "--token-stdin"], secret);
    expect(login.code, shown(login)).toBe(0);
  }, 120_000);

  it("sets a secret from stdin without echoing it, lists releases as text and json, and rolls back by number", async () => {
    const deployed = await call("POST", "cart/deployments", {
      spec: world.appSpec("registry.example.com/acme/cart:1"),
    });
    expect(deployed.status).toBe(202);
    const value = `cli-${randomBytes(12).toString("hex")}`;
    const set = await user(["secrets", "set", "API_KEY", "--app", "cart"], value);
    expect(set.code, shown(set)).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(value);
    expect(set.stdout).toContain("API_KEY");
    const refused = await user(["secrets", "set", `API_KEY=${value}`, "--app", "cart"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("command line");
    const [second] = await releases("cart");
    await mirrored("cart", "API_KEY", second?.secrets.API_KEY as string);
    const changed = await user(["secrets", "set", "API_KEY", "--app", "cart"], `${value}-new`);
    expect(changed.code, shown(changed)).toBe(0);

    const text = await user(["releases", "--app", "cart"]);
    expect(text.code, shown(text)).toBe(0);
    expect(text.stdout).toMatch(/v3\s+secrets/);
    expect(text.stdout).toContain("~API_KEY");
    expect(text.stdout).not.toContain(value);
    const json = await user(["releases", "--app", "cart", "-o", "json"]);
    expect(json.code, shown(json)).toBe(0);
    const parsed = JSON.parse(json.stdout) as { releases: Release[] };
    expect(parsed.releases.map((r) => r.kind)).toEqual(["secrets", "secrets", "deploy"]);

    const ls = await user(["secrets", "ls", "--app", "cart", "-o", "json"]);
    expect(ls.code, shown(ls)).toBe(0);
    expect(JSON.parse(ls.stdout).secrets[0].versions).toHaveLength(2);

    const back = await user(["rollback", "2", "--app", "cart"]);
    expect(back.code, shown(back)).toBe(0);
    await eventually("the Secret holding release 2's value", async () =>
      (await secretValue("cart", "API_KEY")) === value ? true : undefined,
    );
    expect((await releases("cart"))[0]).toMatchObject({ number: 4, kind: "rollback", rollbackOf: 2 });
  });
});
