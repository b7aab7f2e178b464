// Promotion against the real API, operator (with a key-encryption key), control plane and PostgreSQL: an App's
// current Available release in one profile runs in a second profile with the same image digest, env and secret
// versions (the operator restores the values from the source's stored versions), as a `promote` release that names
// the source's; the target's own `loco env set` values stay; a source that is not Available, has no release, or a
// target profile that does not exist is refused with 409 and a reason; another tenant can neither promote from nor
// into the first tenant's objects, and no answer names them.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretName } from "../../crds/app-names.ts";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { ANNOTATION_RESTORE_SECRETS } from "../../crds/secret-versions.ts";
import { parseKeyRing } from "../../db/secret-crypto.ts";
import { EVENT, NAMESPACE, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ADMIN, type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";

let world: ApiWorld;
let developer: string;
let otherDeveloper: string;
let tenant: string;
let other: string;
/** The source profile (the world's) and the target, made here. */
let dev: string;
let prod: string;
/** A third profile, promoted into from the target. */
let live3: string;

const DIGEST_IMAGE = `registry.example.com/acme/shop@sha256:${randomBytes(32).toString("hex")}`;
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;

type Release = {
  number: number;
  kind: string;
  source: Record<string, unknown>;
  secrets: Record<string, string | null>;
  deploymentId: string | null;
};

const app = (path: string, profile: string, options: { method?: string; body?: unknown; token?: string } = {}) =>
  world.api.call(
    options.method ?? "GET",
    `/v1/tenants/${tenant}/apps/${path}${path.includes("?") ? "&" : "?"}profile=${profile}`,
    { token: options.token ?? developer, body: options.body },
  );

const promote = (name: string, body: unknown, as = developer, inTenant = tenant) =>
  world.api.call("POST", `/v1/tenants/${inTenant}/apps/${name}/promotions`, { token: as, body });

const releases = async (name: string, profile: string): Promise<Release[]> => {
  const response = await app(`${name}/releases?limit=100`, profile);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Release[] }).items;
};

const secretValue = async (namespace: string, name: string, key: string) => {
  const secret = await world.api.kube.find<KubeObject & { data?: Record<string, string> }>(
    SECRET,
    namespace,
    secretName(name),
  );
  const data = secret?.data?.[key];
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
};

/** Waits until the App's newest release runs as an Available deployment; returns that release. */
const availableRelease = (name: string, profile: string) =>
  eventually(`the newest release of ${name} (${profile}) Available`, async () => {
    const [newest] = await releases(name, profile);
    if (!newest?.deploymentId) return undefined;
    const response = await app(`${name}/deployments/${newest.deploymentId}`, profile);
    const outcome = response.status === 200 ? ((await response.json()) as { outcome: string }).outcome : undefined;
    return outcome === "Available" ? newest : undefined;
  });

const problem = async (response: Response) => ({
  status: response.status,
  ...((await response.json()) as { code: string; reason?: string; detail: string }),
});

beforeAll(async () => {
  world = await startApiWorld("prm", {
    operator: { keyRing: parseKeyRing(`k1:${randomBytes(32).toString("base64")}`, "test") },
  });
  tenant = world.tenants[0].name;
  other = world.tenants[1].name;
  developer = await world.token(world.tenants[0].members.developer);
  otherDeveloper = await world.token(world.tenants[1].members.developer);
  dev = world.profile;
  prod = `${world.profile}x`;
  live3 = `${world.profile}y`;
  // The target Profile: the world's own under another name and base domain (default hostnames leave the profile out,
  // so two profiles on one domain would give the App's two copies the same hostname), on the same Gateway.
  const admin = await world.token(ADMIN);
  const source = (await (await world.api.call("GET", `/v1/profiles/${dev}`, { token: admin })).json()) as {
    spec: Record<string, unknown>;
  };
  for (const [name, domain] of [
    [prod, "prod.example.com"],
    [live3, "live.example.com"],
  ] as const) {
    const put = await world.api.call("PUT", `/v1/profiles/${name}`, {
      token: admin,
      body: { spec: { ...source.spec, baseDomain: domain } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    await eventually(`Profile ${name} in the mirror`, async () =>
      (await world.api.call("GET", `/v1/profiles/${name}`, { token: admin })).status === 200 ? true : undefined,
    );
  }
}, 240_000);

afterAll(async () => {
  if (!world) return;
  await Promise.allSettled([
    ...world.tenants.flatMap((t) =>
      [prod, live3].map((p) => world.api.kube.delete(NAMESPACE, undefined, `${t.name}-${p}`)),
    ),
    world.api.kube.delete(PROFILE, undefined, prod),
    world.api.kube.delete(PROFILE, undefined, live3),
  ]);
  await world.stop();
});

describe("promotion", () => {
  it("runs the source's release in the target with its digest, env and secret versions, naming the source's release", async () => {
    const spec = {
      ...world.appSpec(DIGEST_IMAGE),
      replicas: 1,
      env: [{ name: "LOG_LEVEL", value: "debug" }],
    };
    const deployed = await app("shop/deployments", dev, { method: "POST", body: { spec } });
    expect(deployed.status, await deployed.clone().text()).toBe(202);
    const set = await app("shop/env", dev, { method: "PATCH", body: { set: { DB_PASSWORD: PASSWORD }, secret: true } });
    expect(set.status, await set.clone().text()).toBe(200);
    const source = await availableRelease("shop", dev);
    const version = source.secrets.DB_PASSWORD as string;
    expect(version).toMatch(/^[0-9A-Z]{26}$/);
    await eventually("the source's secret version stored", async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM secret_versions
        WHERE namespace = ${`${tenant}-${dev}`} AND app = 'shop' AND version_id = ${version}`.execute(
        world.api.database.db,
      );
      return Number(rows[0]?.n) > 0 ? true : undefined;
    });

    const response = await promote("shop", { from: dev, to: prod });
    expect(response.status, await response.clone().text()).toBe(202);
    const promoted = (await response.json()) as Record<string, unknown>;
    expect(promoted).toMatchObject({
      release: 1,
      source: { profile: dev, release: source.number, deploymentId: source.deploymentId },
      image: DIGEST_IMAGE,
      pinned: true,
      secrets: { DB_PASSWORD: version },
      unchanged: false,
    });
    expect(JSON.stringify(promoted)).not.toContain(PASSWORD);

    // The target's release names the source's, and the versions it carried.
    const [first] = await releases("shop", prod);
    expect(first).toMatchObject({
      number: 1,
      kind: "promote",
      source: {
        kind: "promotion",
        profile: dev,
        release: source.number,
        deploymentId: source.deploymentId,
        by: { kind: "user", subject: world.tenants[0].members.developer },
      },
      secrets: { DB_PASSWORD: version },
      deploymentId: promoted.deploymentId,
    });
    const detail = (await (await app("shop/releases/1", prod)).json()) as { spec: Record<string, unknown> };
    expect(detail.spec).toMatchObject({
      profile: prod,
      image: DIGEST_IMAGE,
      env: [{ name: "LOG_LEVEL", value: "debug" }],
    });

    // In the cluster: the App runs the digest, and the operator wrote the source's value under the same version id.
    const live = await world.api.kube.get<KubeObject>(APP, `${tenant}-${prod}`, "shop");
    expect((live.spec as { image: string }).image).toBe(DIGEST_IMAGE);
    await eventually("the source's secret value in the target's Secret", async () =>
      (await secretValue(`${tenant}-${prod}`, "shop", "DB_PASSWORD")) === PASSWORD ? true : undefined,
    );
    // The operator restored the values before building the pod template: the promoted release's own deployment is
    // the one that becomes Available (no second one superseding it), and the release can be promoted on in turn.
    const target = await availableRelease("shop", prod);
    expect(target.deploymentId).toBe(promoted.deploymentId);
    const onward = await eventually("the promoted release promotable", async () => {
      const r = await promote("shop", { from: prod, to: live3 });
      return r.status === 409 && ((await r.clone().json()) as { reason: string }).reason === "SourceNotAvailable"
        ? undefined
        : r;
    });
    expect(onward.status, await onward.clone().text()).toBe(202);
    expect(await onward.json()).toMatchObject({
      source: { profile: prod, release: 1 },
      image: DIGEST_IMAGE,
      secrets: { DB_PASSWORD: version },
    });

    // Audited like the other writes.
    const { rows } = await sql<{ target: string; details: Record<string, unknown> }>`
      SELECT target, details FROM audit_log WHERE action = 'apps.promote' AND tenant = ${tenant} AND target = ${`App/${prod}/shop`}`.execute(
      world.api.database.db,
    );
    expect(rows).toEqual([
      {
        target: `App/${prod}/shop`,
        details: expect.objectContaining({ promotedFrom: dev, sourceRelease: source.number, release: 1 }),
      },
    ]);
  });

  it("keeps a value the target set with `loco env set`, and changes nothing when the target already runs the release", async () => {
    const set = await app("shop/env", prod, { method: "PATCH", body: { set: { LOG_LEVEL: "warn" } } });
    expect(set.status, await set.clone().text()).toBe(200);
    const before = await releases("shop", prod);
    const response = await promote("shop", { from: dev, to: prod });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({
      unchanged: true,
      release: null,
      overridden: ["LOG_LEVEL"],
      image: DIGEST_IMAGE,
    });
    const live = await world.api.kube.get<KubeObject>(APP, `${tenant}-${prod}`, "shop");
    expect((live.spec as { env: unknown[] }).env).toEqual([{ name: "LOG_LEVEL", value: "warn" }]);
    expect(await releases("shop", prod)).toEqual(before);
  });

  it("refuses with 409 and a reason: source not Available, no release, target profile missing", async () => {
    // A paused App never starts its deployment: its release is not Available.
    const paused = { ...world.appSpec("registry.example.com/acme/draft:1"), paused: true };
    expect((await app("draft/deployments", dev, { method: "POST", body: { spec: paused } })).status).toBe(202);
    const notAvailable = await problem(await promote("draft", { from: dev, to: prod }));
    expect(notAvailable).toMatchObject({ status: 409, code: "Conflict", reason: "SourceNotAvailable" });
    expect(notAvailable.detail).toContain("not Available");

    const missingProfile = await problem(await promote("shop", { from: dev, to: "nosuchprofile" }));
    expect(missingProfile).toMatchObject({ status: 409, code: "Conflict", reason: "ProfileNotFound" });

    // An App from before releases were recorded (migration 0007) has none: its rows are taken away to stand for one.
    await sql`DELETE FROM releases WHERE namespace = ${`${tenant}-${dev}`} AND app = 'draft'`.execute(
      world.api.database.db,
    );
    const noRelease = await problem(await promote("draft", { from: dev, to: prod }));
    expect(noRelease).toMatchObject({ status: 409, code: "Conflict", reason: "NoRelease" });

    const same = await promote("shop", { from: dev, to: dev });
    expect(same.status).toBe(400);
    // Nothing was made in the target by a refusal.
    expect(await world.api.kube.find(APP, `${tenant}-${prod}`, "draft")).toBeUndefined();
  });

  it("keeps tenants apart: another tenant's App answers like a missing one, and names nothing of it", async () => {
    // Into the first tenant's path: not a member, so 404 like a tenant that does not exist.
    const foreign = await promote("shop", { from: dev, to: prod }, otherDeveloper, tenant);
    const missingTenant = await promote("shop", { from: dev, to: prod }, otherDeveloper, "nosuchtenant");
    expect(foreign.status).toBe(404);
    const masked = (r: Response) => r.text().then((t) => t.replaceAll(tenant, "<t>").replaceAll("nosuchtenant", "<t>"));
    const shape = (text: string) => {
      const { requestId: _id, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    };
    expect(shape(await masked(foreign))).toEqual(shape(await masked(missingTenant)));
    // In its own tenant, the first tenant's App name is just a missing App.
    const own = await promote("shop", { from: dev, to: prod }, otherDeveloper, other);
    const never = await promote("neverthere", { from: dev, to: prod }, otherDeveloper, other);
    expect(own.status).toBe(404);
    const ownText = await own.text();
    expect(ownText).not.toContain(tenant);
    expect(shape(ownText.replaceAll("shop", "<a>"))).toEqual(
      shape((await never.text()).replaceAll("neverthere", "<a>")),
    );
    expect(await world.api.kube.find(APP, `${other}-${prod}`, "shop")).toBeUndefined();

    // Straight to the cluster: the other tenant's App asking the operator for the first tenant's versions is refused.
    const [source] = await releases("shop", dev);
    const otherNamespace = `${other}-${dev}`;
    const restore = {
      id: `steal${randomBytes(4).toString("hex")}`,
      versions: { DB_PASSWORD: source?.secrets.DB_PASSWORD },
      keep: [],
      from: { namespace: `${tenant}-${dev}`, app: "shop" },
    };
    await world.api.kube.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: {
          name: world.tenants[1].app,
          namespace: otherNamespace,
          annotations: { [ANNOTATION_RESTORE_SECRETS]: JSON.stringify(restore) },
        },
      },
      "promotion-test",
    );
    await eventually("the operator's refusal on the other tenant's App", async () => {
      const events = await world.api.kube.list(EVENT, otherNamespace);
      return events.items.some(
        (e) =>
          (e as { reason?: string; involvedObject?: { name?: string } }).reason === "SecretRestoreRefused" &&
          (e as { involvedObject?: { name?: string } }).involvedObject?.name === world.tenants[1].app,
      )
        ? true
        : undefined;
    });
    expect(await secretValue(otherNamespace, world.tenants[1].app, "DB_PASSWORD")).toBeUndefined();
  });
});

describe("loco promote", () => {
  let loco: Loco;
  let home: string;
  const user = (args: string[], stdin?: string): Promise<LocoResult> =>
    loco.run(args, {
      home,
      cwd: home,
      env: { LOCO_TENANT: tenant },
      timeoutMs: 180_000,
      ...(stdin !== undefined ? { stdin } : {}),
    });

  beforeAll(async () => {
    loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
    home = mkdtempSync(join(tmpdir(), "loco-prm-home-"));
    const minted = await world.api.call("POST", `/v1/tenants/${tenant}/tokens`, {
      token: developer,
      body: { name: "prm", role: "developer" },
    });
    const { secret } = (await minted.json()) as { secret: string };
    const login = await user(["login", world.api.url, "--token-stdin"], secret);
    expect(login.code, shown(login)).toBe(0);
  }, 120_000);

  it("promotes with -o json and plain output, says a tag is not pinned, and exits like the other commands when refused", async () => {
    const tagged = "registry.example.com/acme/cart:2.0.1";
    expect((await app("cart/deployments", dev, { method: "POST", body: { spec: world.appSpec(tagged) } })).status).toBe(
      202,
    );
    const source = await availableRelease("cart", dev);

    const json = await user(["promote", "cart", "--from", dev, "--to", prod, "-o", "json"]);
    expect(json.code, shown(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      app: "cart",
      tenant,
      from: dev,
      to: prod,
      release: 1,
      source: { profile: dev, release: source.number },
      image: tagged,
      pinned: false,
    });

    const listed = await user(["releases", "--app", "cart", "--profile", prod]);
    expect(listed.code, shown(listed)).toBe(0);
    expect(listed.stdout).toMatch(/v1\s+promote/);
    expect(listed.stdout).toContain(`from ${dev} v${source.number}`);

    // Plain, followed with --wait like a deploy: what was carried on stderr, with the tag called out; exit 0 once the
    // target is Available.
    const again = await user(["promote", "cart", "--from", dev, "--to", live3, "--wait", "--timeout", "2m"]);
    expect(again.code, shown(again)).toBe(0);
    expect(again.stderr).toContain(`Promoting release ${source.number} of cart from ${dev} to ${live3}`);
    expect(again.stderr).toContain("by tag");

    const noProfile = await user(["promote", "cart", "--from", dev, "--to", "nosuchprofile"]);
    expect(noProfile.code, shown(noProfile)).toBe(6);
    expect(noProfile.stderr).toContain("does not exist");
    const missing = await user(["promote", "nevercart", "--from", dev, "--to", prod]);
    expect(missing.code, shown(missing)).toBe(3);
    const usage = await user(["promote", "cart", "--to", prod]);
    expect(usage.code, shown(usage)).toBe(1);
    expect(usage.stderr).toContain("--from");
  });
});
