// Who owns which field of an App, against the real API, operator and control plane: `env set`, `env set --secret`
// and `scale` survive a deploy of an unchanged loco.toml and a GitOps `kubectl apply --server-side` of the App's
// manifest; a field both set keeps the command's value and the deploy reports it, until --force-conflicts; an App
// written by the old single field manager keeps its env and replicas on its first deploy; a dry run changes
// nothing; and a deploy the App can never make Ready ends Failed with the reason, `loco deploy --wait` exiting 4.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER } from "../../crds/field-managers.ts";
import { APP, PROFILE } from "../../crds/kinds.ts";
import { kubectl } from "../../hack/control-plane/control-plane.ts";
import { DEPLOYMENT, NAMESPACE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ADMIN, type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";
import { SHARD_LABEL } from "../support/operator.ts";

let world: ApiWorld;
let developer: string;
let tenant: string;
let namespace: string;

const json = async <T = Record<string, unknown>>(response: Response): Promise<T> => (await response.json()) as T;

/** loco.toml's App for profile `world.profile`, as `loco deploy` sends it. */
const declared = (image: string, extra: Record<string, unknown> = {}) => ({
  profile: world.profile,
  image,
  resources: { cpu: "10m", memory: "16Mi" },
  env: [{ name: "LOG_LEVEL", value: "info" }],
  ...extra,
});

type Accepted = { deploymentId: string; events: string; unchanged: boolean; overrides: Record<string, unknown>[] };

async function deploy(app: string, spec: unknown, extra: Record<string, unknown> = {}): Promise<Accepted> {
  const response = await world.api.call(
    "POST",
    `/v1/tenants/${tenant}/apps/${app}/deployments?profile=${world.profile}`,
    {
      token: developer,
      body: { spec, ...extra },
    },
  );
  expect([200, 202], await response.clone().text()).toContain(response.status);
  return json<Accepted>(response);
}

/** Reads a deployment's event stream to its end; the last event's data. */
async function outcomeOf(
  accepted: Accepted,
): Promise<{ outcome: string; reason?: string; ready?: { reason?: string } }> {
  const text = await (await world.api.call("GET", accepted.events, { token: developer })).text();
  const last = text
    .split("\n\n")
    .filter((block) => block.startsWith("event:"))
    .at(-1);
  return JSON.parse(
    last
      ?.split("\n")
      .find((l) => l.startsWith("data: "))
      ?.slice(6) ?? "{}",
  );
}

const call = (method: string, path: string, body?: unknown) =>
  world.api.call(
    method,
    `/v1/tenants/${tenant}/apps/${path}${path.includes("?") ? "&" : "?"}profile=${world.profile}`,
    {
      token: developer,
      body,
    },
  );

const liveApp = (name: string) => world.api.kube.get<KubeObject>(APP, namespace, name);
const managers = (object: KubeObject) =>
  ((object.metadata.managedFields ?? []) as { manager: string; subresource?: string }[])
    .filter((e) => !e.subresource)
    .map((e) => e.manager)
    .sort();
type Spec = {
  env?: { name: string; value: string }[];
  secretEnv?: { name: string }[];
  replicas?: number;
  image: string;
  args?: string[];
};
const specOf = (object: KubeObject) => object.spec as Spec;

/** The Deployment the operator made, once it runs `image` with `replicas`. */
async function deploymentRunning(app: string, image: string, replicas: number) {
  return eventually(`Deployment ${app} with ${image} × ${replicas}`, async () => {
    const deployment = await world.api.kube.find<KubeObject>(DEPLOYMENT, namespace, app);
    const spec = deployment?.spec as
      | {
          replicas: number;
          template: {
            spec: {
              containers: {
                image: string;
                env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[];
              }[];
            };
          };
        }
      | undefined;
    const container = spec?.template.spec.containers[0];
    return spec?.replicas === replicas && container?.image === image ? container : undefined;
  });
}

/** The test operator reconciles only its shard's objects (the world's Profile is named after the shard). */
const shardLabels = () => ({ [SHARD_LABEL]: world.profile.slice(1) });

const manifest = (name: string, image: string, extra = "") => `apiVersion: loco.dev/v1alpha1
kind: App
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: { ${SHARD_LABEL}: "${world.profile.slice(1)}" }
spec:
  profile: ${world.profile}
  image: ${image}
  resources: { cpu: 10m, memory: 16Mi }
${extra}`;

const kubectlApply = (yaml: string, ...flags: string[]) =>
  kubectl({ kubeconfig: inject("kubeconfig") }, ["apply", "--server-side", "-f", "-", ...flags], yaml);

beforeAll(async () => {
  world = await startApiWorld("own");
  tenant = world.tenants[0].name;
  namespace = `${tenant}-${world.profile}`;
  developer = await world.token(world.tenants[0].members.developer);
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe("field ownership", () => {
  it("keeps env, secret env and scale through a deploy of an unchanged loco.toml, and a new image", async () => {
    const first = await deploy("keep", declared("registry.example.com/acme/keep:1"));
    expect((await outcomeOf(first)).outcome).toBe("Available");
    expect((await call("PATCH", "keep/env", { set: { DATABASE_URL: "postgres://db/keep" } })).status).toBe(200);
    const secret = await call("PATCH", "keep/env", { set: { DB_PASSWORD: "hunter2" }, secret: true });
    expect(secret.status).toBe(200);
    expect((await call("POST", "keep/scale", { replicas: 3 })).status).toBe(200);

    const same = await deploy("keep", declared("registry.example.com/acme/keep:1"));
    expect(same).toMatchObject({ unchanged: true, overrides: [] });
    const bumped = await deploy("keep", declared("registry.example.com/acme/keep:2"));
    expect(bumped.unchanged).toBe(false);
    expect((await outcomeOf(bumped)).outcome).toBe("Available");

    const app = await liveApp("keep");
    expect(specOf(app).env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "DATABASE_URL", value: "postgres://db/keep" },
    ]);
    expect(specOf(app).secretEnv).toEqual([{ name: "DB_PASSWORD", secretKey: "DB_PASSWORD" }]);
    expect(specOf(app).replicas).toBe(3);
    expect(managers(app)).toEqual([DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER]);
    const container = await deploymentRunning("keep", "registry.example.com/acme/keep:2", 3);
    expect(container.env).toContainEqual({ name: "DATABASE_URL", value: "postgres://db/keep" });
    expect(container.env?.find((e) => e.name === "DB_PASSWORD")?.valueFrom?.secretKeyRef?.key).toBe("DB_PASSWORD");
    const env = await json<{ secrets: { name: string }[]; declared: string[] }>(await call("GET", "keep/env"));
    expect(env.secrets).toEqual([{ name: "DB_PASSWORD" }]);
    // LOG_LEVEL is loco.toml's: `loco env sync --prune` leaves it, `loco env unset` answers 409.
    expect(env.declared).toEqual(["LOG_LEVEL"]);

    // loco.toml dropping a variable of its own removes it; the command's stay.
    const without = await deploy("keep", { ...declared("registry.example.com/acme/keep:2"), env: undefined });
    expect(without.unchanged).toBe(false);
    expect(specOf(await liveApp("keep")).env).toEqual([{ name: "DATABASE_URL", value: "postgres://db/keep" }]);
  });

  it("reports a field loco.toml and a command both set, keeps the command's value, and hands it back when forced", async () => {
    expect((await outcomeOf(await deploy("both", declared("registry.example.com/acme/both:1")))).outcome).toBe(
      "Available",
    );
    expect((await call("PATCH", "both/env", { set: { LOG_LEVEL: "debug" } })).status).toBe(200);
    expect((await call("POST", "both/scale", { replicas: 2 })).status).toBe(200);

    const kept = await deploy("both", declared("registry.example.com/acme/both:2", { replicas: 1 }));
    expect(kept.overrides).toEqual([
      { field: "spec.env[LOG_LEVEL]", setBy: "loco env", current: "debug", declared: "info", inEffect: "command" },
      { field: "spec.replicas", setBy: "loco scale", current: 2, declared: 1, inEffect: "command" },
    ]);
    expect(specOf(await liveApp("both"))).toMatchObject({ env: [{ name: "LOG_LEVEL", value: "debug" }], replicas: 2 });

    // The command's value is the command's own: unsetting it leaves none until a deploy brings loco.toml's back.
    expect((await call("PATCH", "both/env", { unset: ["LOG_LEVEL"] })).status).toBe(200);
    expect(specOf(await liveApp("both")).env).toBeUndefined();
    const back = await deploy("both", declared("registry.example.com/acme/both:2", { replicas: 1 }));
    expect(back.overrides).toEqual([
      { field: "spec.replicas", setBy: "loco scale", current: 2, declared: 1, inEffect: "command" },
    ]);
    expect(specOf(await liveApp("both")).env).toEqual([{ name: "LOG_LEVEL", value: "info" }]);
    expect((await call("PATCH", "both/env", { set: { LOG_LEVEL: "debug" } })).status).toBe(200);

    const forced = await deploy("both", declared("registry.example.com/acme/both:3", { replicas: 1 }), {
      forceConflicts: true,
    });
    expect(forced.overrides.map((o) => o.inEffect)).toEqual(["loco.toml", "loco.toml"]);
    const app = await liveApp("both");
    expect(specOf(app)).toMatchObject({ env: [{ name: "LOG_LEVEL", value: "info" }], replicas: 1 });
    expect(managers(app)).toEqual([DEPLOY_FIELD_MANAGER]);
    const unset = await call("PATCH", "both/env", { unset: ["LOG_LEVEL"] });
    expect(unset.status).toBe(409);
    expect((await json<{ detail: string }>(unset)).detail).toContain("LOG_LEVEL comes from the App's declared spec");
    const next = await deploy("both", declared("registry.example.com/acme/both:4", { replicas: 1 }));
    expect(next.overrides).toEqual([]);
  });

  it("keeps the commands' fields through a GitOps apply of the manifest (kubectl --server-side), which must force to take one", async () => {
    await kubectlApply(manifest("gitops", "registry.example.com/acme/gitops:1"));
    await eventually(
      "the App's first deployment",
      async () => ((await liveApp("gitops")).status as { deploymentId?: string } | undefined)?.deploymentId,
    );
    expect((await call("PATCH", "gitops/env", { set: { FEATURE: "on" } })).status).toBe(200);
    expect((await call("POST", "gitops/scale", { replicas: 2 })).status).toBe(200);

    await kubectlApply(manifest("gitops", "registry.example.com/acme/gitops:2"));
    const app = await liveApp("gitops");
    expect(specOf(app)).toMatchObject({
      image: "registry.example.com/acme/gitops:2",
      env: [{ name: "FEATURE", value: "on" }],
      replicas: 2,
    });
    await deploymentRunning("gitops", "registry.example.com/acme/gitops:2", 2);

    // Git declaring replicas conflicts with `loco scale` until it forces: then Git's value wins.
    const withReplicas = manifest("gitops", "registry.example.com/acme/gitops:2", "  replicas: 1\n");
    await expect(kubectlApply(withReplicas)).rejects.toThrow(/conflict[\s\S]*loco-scale/i);
    expect(specOf(await liveApp("gitops")).replicas).toBe(2);
    await kubectlApply(withReplicas, "--force-conflicts");
    expect(specOf(await liveApp("gitops")).replicas).toBe(1);
    expect(specOf(await liveApp("gitops")).env).toEqual([{ name: "FEATURE", value: "on" }]);
  });

  it("splits an App written by the old single field manager on its first deploy, losing no env or replicas", async () => {
    const old = {
      profile: world.profile,
      image: "registry.example.com/acme/legacy:1",
      args: ["--old-flag"],
      resources: { cpu: "10m", memory: "16Mi" },
      replicas: 2,
      env: [
        { name: "LOG_LEVEL", value: "warn" },
        { name: "DATABASE_URL", value: "postgres://db/legacy" },
      ],
    };
    await world.api.kube.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "legacy", namespace, labels: shardLabels() },
        spec: old,
      },
      "loco-api",
    );
    const accepted = await deploy("legacy", declared("registry.example.com/acme/legacy:2"));
    expect(accepted.unchanged).toBe(false);
    expect((await outcomeOf(accepted)).outcome).toBe("Available");
    const app = await liveApp("legacy");
    // DATABASE_URL and replicas (not in loco.toml) stay with the commands; LOG_LEVEL is loco.toml's; the old
    // manager's args, which loco.toml no longer has, are gone with it.
    expect(specOf(app).env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "DATABASE_URL", value: "postgres://db/legacy" },
    ]);
    expect(specOf(app).replicas).toBe(2);
    expect(specOf(app).args).toBeUndefined();
    expect(managers(app)).toEqual([DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER]);
    await deploymentRunning("legacy", "registry.example.com/acme/legacy:2", 2);

    // The same for a first `env set` on an old App: the rest is split, nothing lost.
    await world.api.kube.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "legacy2", namespace, labels: shardLabels() },
        spec: old,
      },
      "loco-api",
    );
    expect((await call("PATCH", "legacy2/env", { set: { FEATURE: "on" } })).status).toBe(200);
    const second = await liveApp("legacy2");
    expect(specOf(second)).toMatchObject({ replicas: 2, args: ["--old-flag"] });
    expect(specOf(second).env?.map((e) => e.name)).toEqual(["LOG_LEVEL", "DATABASE_URL", "FEATURE"]);
    expect(managers(second)).toEqual([DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER, SCALE_FIELD_MANAGER]);
  });

  it("rolls back to the whole App an earlier deployment ran, each writer keeping its fields", async () => {
    expect((await outcomeOf(await deploy("back", declared("registry.example.com/acme/back:1")))).outcome).toBe(
      "Available",
    );
    expect((await call("PATCH", "back/env", { set: { FEATURE: "on" } })).status).toBe(200);
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM deployment_requests WHERE app = 'back' AND tenant = ${tenant}
      ORDER BY created_at DESC LIMIT 1`.execute(world.api.database.db);
    const withFeature = rows[0]!.id;
    expect((await call("PATCH", "back/env", { set: { TOKEN: "s3cret" }, secret: true })).status).toBe(200);
    expect((await call("POST", "back/scale", { replicas: 2 })).status).toBe(200);
    await deploy("back", declared("registry.example.com/acme/back:2"));

    const response = await call("POST", "back/rollback", { deploymentId: withFeature });
    expect(response.status).toBe(202);
    const rollback = await json<Accepted>(response);
    // The whole last event on failure: once, under a loaded CI, this rollback ended Failed and its reason went unseen.
    const ended = await outcomeOf(rollback);
    expect(ended.outcome, JSON.stringify(ended)).toBe("Available");
    const app = await liveApp("back");
    expect(specOf(app)).toMatchObject({
      image: "registry.example.com/acme/back:1",
      env: [
        { name: "LOG_LEVEL", value: "info" },
        { name: "FEATURE", value: "on" },
      ],
    });
    expect(specOf(app).secretEnv).toBeUndefined();
    expect(specOf(app).replicas).toBeUndefined();
    expect(managers(app)).toEqual([DEPLOY_FIELD_MANAGER, ENV_FIELD_MANAGER]);
    // FEATURE is still `loco env`'s: a deploy of loco.toml keeps it.
    await deploy("back", declared("registry.example.com/acme/back:3"));
    expect(specOf(await liveApp("back")).env?.map((e) => e.name)).toEqual(["LOG_LEVEL", "FEATURE"]);
  });

  it("previews a deploy without changing anything: no resourceVersion moves and no deployment is recorded", async () => {
    expect((await outcomeOf(await deploy("dry", declared("registry.example.com/acme/dry:1")))).outcome).toBe(
      "Available",
    );
    expect((await call("PATCH", "dry/env", { set: { LOG_LEVEL: "debug", OLD: "x" } })).status).toBe(200);
    expect((await call("POST", "dry/scale", { replicas: 2 })).status).toBe(200);
    await deploymentRunning("dry", "registry.example.com/acme/dry:1", 2);
    // Once the rollout is over, nothing writes the App or its Deployment (the operator's steady state).
    const { before, deploymentBefore } = await eventually("the App and its Deployment at rest", async () => {
      const app = await liveApp("dry");
      const deployment = await world.api.kube.get<KubeObject>(DEPLOYMENT, namespace, "dry");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const same =
        (await liveApp("dry")).metadata.resourceVersion === app.metadata.resourceVersion &&
        (await world.api.kube.get<KubeObject>(DEPLOYMENT, namespace, "dry")).metadata.resourceVersion ===
          deployment.metadata.resourceVersion;
      return same ? { before: app, deploymentBefore: deployment } : undefined;
    });
    const requests = async () =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*) AS n FROM deployment_requests WHERE app = 'dry'`.execute(
            world.api.database.db,
          )
        ).rows[0]?.n,
      );
    const requestsBefore = await requests();

    const response = await call("POST", "dry/diff", {
      spec: declared("registry.example.com/acme/dry:2", { env: [{ name: "NEW", value: "1" }] }),
    });
    expect(response.status).toBe(200);
    const diff = await json<Record<string, unknown>>(response);
    expect(diff).toMatchObject({
      exists: true,
      changed: true,
      env: { added: ["NEW"], removed: [] },
      replicas: { before: 2, after: 2 },
    });
    expect(diff.diff).toContain('~ spec.image: "registry.example.com/acme/dry:1" → "registry.example.com/acme/dry:2"');
    expect(diff.diff).toContain("+ spec.env[NEW]");

    const after = await liveApp("dry");
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await world.api.kube.get<KubeObject>(DEPLOYMENT, namespace, "dry")).metadata.resourceVersion).toBe(
      deploymentBefore.metadata.resourceVersion,
    );
    expect(await requests()).toBe(requestsBefore);

    const viewer = await world.api.call("POST", `/v1/tenants/${tenant}/apps/dry/diff?profile=${world.profile}`, {
      token: await world.token(world.tenants[1].members.developer),
      body: { spec: declared("registry.example.com/acme/dry:2") },
    });
    expect(viewer.status).toBe(404);
  });
});

describe("deploys the App can never make Ready", () => {
  let loco: Loco;
  let home: string;
  let repo: string;
  let restricted: string;

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
    home = mkdtempSync(join(tmpdir(), "loco-own-home-"));
    repo = mkdtempSync(join(tmpdir(), "loco-own-repo-"));
    const minted = await world.api.call("POST", `/v1/tenants/${tenant}/tokens`, {
      token: developer,
      body: { name: "own", role: "developer" },
    });
    const { secret } = (await minted.json()) as { secret: string };
    const login = await user(["login", world.api.url, "--token-stdin"], secret);
    expect(login.code, shown(login)).toBe(0);
    // A Profile that allows one registry only.
    const admin = await world.token("platform-ops");
    const base = (await world.api.kube.get<KubeObject>(PROFILE, undefined, world.profile)).spec as Record<
      string,
      unknown
    >;
    restricted = `${world.profile}r`;
    const put = await world.api.call("PUT", `/v1/profiles/${restricted}`, {
      token: admin,
      body: { spec: { ...base, allowedRegistries: ["registry.example.com/allowed"] } },
    });
    expect(put.status, await put.clone().text()).toBe(200);
    await eventually("the restricted Profile in the mirror", async () =>
      (await world.api.call("GET", `/v1/profiles/${restricted}`, { token: admin })).status === 200 ? true : undefined,
    );
  }, 120_000);

  afterAll(async () => {
    await world.api.kube.delete(NAMESPACE, undefined, `${tenant}-${restricted}`);
    await world.api.kube.delete(PROFILE, undefined, restricted);
  });

  const toml = (name: string, image: string, extra = "") =>
    `name = "${name}"\nimage = "${image}"\n\n[resources]\ncpu = "10m"\nmemory = "16Mi"\n${extra}`;

  it("a route conflict: `loco deploy` of a hostname another App holds exits 4 with the reason, deploying nothing", async () => {
    // A custom hostname needs a domain granted to the tenant (a default-shaped one is reserved to its own App).
    const admin = await world.token(ADMIN);
    const current = await world.api.call("GET", `/v1/profiles/${world.profile}`, { token: admin });
    const profileSpec = ((await current.json()) as { spec: Record<string, unknown> }).spec;
    const granted = await world.api.call("PUT", `/v1/profiles/${world.profile}`, {
      token: admin,
      body: { spec: { ...profileSpec, domainGrants: [{ tenant, domains: [`${world.profile}.example.org`] }] } },
    });
    expect(granted.status).toBe(200);
    const host = `shared.${world.profile}.example.org`;
    const route = `\n[[ports]]\nname = "http"\nport = 8080\n\n[routes.http]\nhostnames = ["${host}"]\n`;
    writeFileSync(join(repo, "loco.toml"), toml("owner", "registry.example.com/acme/owner:1", route));
    const first = await eventually("the grant to reach the API's mirror", async () => {
      const result = await user(["deploy", "--wait", "--timeout", "2m"]);
      return result.code === 0 ? result : undefined;
    });
    expect(first.code, shown(first)).toBe(0);
    writeFileSync(join(repo, "loco.toml"), toml("squatter", "registry.example.com/acme/squatter:1", route));
    const second = await user(["deploy", "--wait", "--timeout", "2m"]);
    expect(second.code, shown(second)).toBe(EXIT_CODES.deployFailed.code);
    expect(second.stderr, shown(second)).toContain("spec.routes.http.hostnames[0]");
    expect(second.stderr, shown(second)).toContain("already served by your App owner"); // same tenant: named
    expect(second.ms).toBeLessThan(100_000);
    // Refused before anything was written: the squatter has no App and no deployment.
    expect(await world.api.kube.find(APP, namespace, "squatter")).toBeUndefined();
  });

  it("a registry rule: `loco deploy --wait` exits 4 naming RegistryNotAllowed", async () => {
    writeFileSync(join(repo, "loco.toml"), toml("blocked", "registry.example.com/acme/blocked:1"));
    const result = await user(["deploy", "--wait", "--timeout", "2m", "--profile", restricted]);
    expect(result.code, shown(result)).toBe(EXIT_CODES.deployFailed.code);
    expect(result.stdout.trim().split("\n").at(-1), shown(result)).toContain("RegistryNotAllowed");
    const dry = await user(["deploy", "--dry-run", "--profile", restricted, "-o", "json"]);
    expect(dry.code, shown(dry)).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ exists: true, changed: false });
  });
});
