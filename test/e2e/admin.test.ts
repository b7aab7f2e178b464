// End to end: the admin commands as a platform team and a tenant's owner use them, with the built `loco` binary
// against the real API (its authorisation deciding, not the CLI), the real operator and the control plane. A
// platform admin creates two tenants with owners; each owner sees only their own; the owner adds a developer,
// who cannot manage members; roles cannot be raised above one's own, the last owner stays, a removed member
// loses access; Profiles can be read. Each refusal exits with the code cli/exit-codes.ts documents.
// Each actor is a machine identity of the test OpenID Provider, its access token in LOCO_TOKEN with LOCO_SERVER
// (the CLI's documented way to run without a login); the device-flow login itself is test/e2e/cli.test.ts's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../cli/exit-codes.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import { buildCli, Loco, type LocoResult, shown } from "../support/e2e-cli.ts";
import { type E2eWorld, startE2eWorld } from "../support/e2e-world.ts";

let world: E2eWorld;
let loco: Loco;
let home: string;
let acme: string;
let beta: string;
const OWNER = "olivia-owner";
const OTHER_OWNER = "oscar-owner";
const DEVELOPER = "dev-dana";

beforeAll(async () => {
  const [built, started] = await Promise.all([buildCli(), startE2eWorld({ prefix: "e2eadmin", users: [] })]);
  loco = new Loco(built.main);
  world = started;
  for (const id of [OWNER, OTHER_OWNER, DEVELOPER]) world.idp.addIdentity({ id });
  home = world.tempDir("home");
  acme = `acme${world.shard}`;
  beta = `beta${world.shard}`;
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

/** `loco <args>` as `who` (a platform admin when undefined): their token in LOCO_TOKEN. */
async function as(who: string | undefined, args: string[]): Promise<LocoResult> {
  const token = who ? await world.idp.token(who) : await world.adminToken();
  return loco.run(args, { home, env: { LOCO_SERVER: world.api.url, LOCO_TOKEN: token }, timeoutMs: 60_000 });
}

const expectExit = (result: LocoResult, code: number) => expect(result.code, shown(result)).toBe(code);

describe("loco tenant, member and profile, end to end", () => {
  it("creates a tenant with its owner and a namespace per Profile (platform admin)", async () => {
    const created = await as(undefined, [
      "tenant",
      "create",
      acme,
      "--owner",
      OWNER,
      "--display-name",
      "ACME Corp",
      "-o",
      "json",
    ]);
    expectExit(created, 0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: acme,
      displayName: "ACME Corp",
      role: "owner",
      namespaces: [{ profile: world.profile, namespace: `${acme}-${world.profile}` }],
    });
    const text = await as(undefined, ["tenant", "create", beta, "--owner", OTHER_OWNER]);
    expectExit(text, 0);
    expect(text.stdout).toContain(`Created tenant ${beta} with owner ${OTHER_OWNER}.`);
    expect(text.stdout).toMatch(new RegExp(`${world.profile}\\s+${beta}-${world.profile}`));
    expect(text.stdout).toContain(`\`loco login ${world.api.url} --tenant ${beta}\``);
  });

  it("refuses a tenant that exists (exit 6) and a tenant created by anyone but a platform admin (exit 2)", async () => {
    const again = await as(undefined, ["tenant", "create", acme]);
    expectExit(again, EXIT_CODES.unavailable.code);
    expect(again.stderr).toContain(`Could not create tenant ${acme}`);
    expect(again.stderr).toContain("already exists");
    const byOwner = await as(OWNER, ["tenant", "create", `gamma${world.shard}`]);
    expectExit(byOwner, EXIT_CODES.auth.code);
    const invalid = await as(undefined, ["tenant", "create", "Not-A-Name"]);
    expectExit(invalid, EXIT_CODES.usage.code);
    expect(invalid.stderr).toMatch(/name/i);
  });

  it("shows each owner only their own tenant; another's answers like a missing one (exit 3)", async () => {
    const listed = await as(OWNER, ["tenant", "ls", "-o", "json"]);
    expectExit(listed, 0);
    expect(JSON.parse(listed.stdout).items).toEqual([expect.objectContaining({ name: acme, role: "owner" })]);
    const shownTenant = await as(OWNER, ["tenant", "show", acme]);
    expectExit(shownTenant, 0);
    expect(shownTenant.stdout).toContain("Your role: owner");
    expect(shownTenant.stdout).toContain(`${acme}-${world.profile}`);
    const foreign = await as(OWNER, ["tenant", "show", beta]);
    expectExit(foreign, EXIT_CODES.notFound.code);
    const all = await as(undefined, ["tenant", "ls", "-o", "json"]);
    const names = (JSON.parse(all.stdout).items as { name: string; role: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([acme, beta]));
  });

  it("adds a developer, who can read the tenant but not manage its members (exit 2)", async () => {
    const added = await as(OWNER, ["member", "add", DEVELOPER, "--role", "developer", "--tenant", acme, "-o", "json"]);
    expectExit(added, 0);
    expect(JSON.parse(added.stdout)).toMatchObject({ tenant: acme, subject: DEVELOPER, role: "developer" });
    const members = await as(OWNER, ["member", "ls", "--tenant", acme, "-o", "json"]);
    expectExit(members, 0);
    expect(
      (JSON.parse(members.stdout).items as { subject: string; role: string }[])
        .map((m) => `${m.subject}=${m.role}`)
        .sort(),
    ).toEqual([`${DEVELOPER}=developer`, `${OWNER}=owner`].sort());
    const asDeveloper = await as(DEVELOPER, ["tenant", "show", acme, "-o", "json"]);
    expectExit(asDeveloper, 0);
    expect(JSON.parse(asDeveloper.stdout)).toMatchObject({ name: acme, role: "developer" });
    const raise = await as(DEVELOPER, ["member", "add", DEVELOPER, "--role", "owner", "--tenant", acme]);
    expectExit(raise, EXIT_CODES.auth.code);
    expect(raise.stderr).toContain(`Could not make ${DEVELOPER} owner of ${acme}`);
  });

  it("keeps the last owner (exit 6), refuses an unknown role before asking the API (exit 1)", async () => {
    const demote = await as(OWNER, ["member", "add", OWNER, "--role", "admin", "--tenant", acme]);
    expectExit(demote, EXIT_CODES.unavailable.code);
    expect(demote.stderr).toContain("last owner");
    const remove = await as(OWNER, ["member", "rm", OWNER, "--tenant", acme]);
    expectExit(remove, EXIT_CODES.unavailable.code);
    const badRole = await as(OWNER, ["member", "add", DEVELOPER, "--role", "superuser", "--tenant", acme]);
    expectExit(badRole, EXIT_CODES.usage.code);
    expect(badRole.stderr).toContain("viewer, developer, admin, owner");
  });

  it("removes a member, who then cannot see the tenant (exit 3); removing a non-member exits 3", async () => {
    const removed = await as(OWNER, ["member", "rm", DEVELOPER, "--tenant", acme]);
    expectExit(removed, 0);
    expect(removed.stdout).toContain(`Removed ${DEVELOPER} from ${acme}`);
    expectExit(await as(DEVELOPER, ["tenant", "show", acme]), EXIT_CODES.notFound.code);
    expectExit(await as(OWNER, ["member", "rm", DEVELOPER, "--tenant", acme]), EXIT_CODES.notFound.code);
    const text = await as(OWNER, ["member", "ls", "--tenant", acme]);
    expectExit(text, 0);
    expect(text.stdout).toMatch(new RegExp(`^SUBJECT\\s+ROLE\\s+AGE\\n${OWNER}\\s+owner\\s`));
  });

  it("shows a Profile to any member, and an unknown one exits 3", async () => {
    const profile = await as(OWNER, ["profile", "show", world.profile, "-o", "json"]);
    expectExit(profile, 0);
    expect(JSON.parse(profile.stdout)).toMatchObject({
      name: world.profile,
      spec: { baseDomain: world.baseDomain, gateway: { name: "public", namespace: world.gatewayNamespace } },
    });
    const text = await as(OWNER, ["profile", "show", world.profile]);
    expectExit(text, 0);
    expect(text.stdout).toContain(`Profile: ${world.profile}`);
    expect(text.stdout).toContain(world.baseDomain);
    expectExit(await as(OWNER, ["profile", "show", `nope${world.shard}`]), EXIT_CODES.notFound.code);
  });

  it("deletes a tenant (platform admin): refused while it holds an App unless --force; its tokens stop; its name is not reused", async () => {
    const owner = await world.idp.token(OTHER_OWNER);
    const minted = await world.api.call("POST", `/v1/tenants/${beta}/tokens`, {
      token: owner,
      body: { name: "ci", role: "developer", expiresInDays: 1 },
    });
    expect(minted.status).toBe(201);
    const { secret } = (await minted.json()) as { secret: string };
    const put = await world.api.call("PUT", `/v1/tenants/${beta}/apps/web?profile=${world.profile}`, {
      token: owner,
      body: { spec: { profile: world.profile, image: "registry.example.com/beta/web:1", replicas: 0 } },
    });
    expect(put.status, await put.clone().text()).toBe(200);

    expectExit(await as(OTHER_OWNER, ["tenant", "delete", beta, "--yes"]), EXIT_CODES.auth.code);
    const unconfirmed = await as(undefined, ["tenant", "delete", beta]);
    expectExit(unconfirmed, EXIT_CODES.usage.code);
    expect(unconfirmed.stderr).toContain("Pass --yes");
    const held = await as(undefined, ["tenant", "delete", beta, "--yes"]);
    expectExit(held, EXIT_CODES.unavailable.code);
    expect(held.stderr).toContain("still has 1 App");

    const deleted = await as(undefined, ["tenant", "delete", beta, "--yes", "--force", "-o", "json"]);
    expectExit(deleted, 0);
    expect(JSON.parse(deleted.stdout)).toEqual({
      name: beta,
      deleted: true,
      namespaces: [`${beta}-${world.profile}`],
    });
    const namespace = await world.api.kube.find(NAMESPACE, undefined, `${beta}-${world.profile}`);
    expect(namespace === undefined || namespace.metadata.deletionTimestamp !== undefined).toBe(true);
    expectExit(await as(undefined, ["tenant", "show", beta]), EXIT_CODES.notFound.code);
    const tokenAfter = await world.api.call("GET", `/v1/tenants/${beta}/apps`, { token: secret });
    expect(tokenAfter.status).toBe(401);
    const again = await as(undefined, ["tenant", "create", beta]);
    expectExit(again, EXIT_CODES.unavailable.code);
    expect(again.stderr).toContain("not reused");
    expectExit(await as(undefined, ["tenant", "delete", beta, "--yes"]), EXIT_CODES.notFound.code);
  });

  it("applies the Profiles of a multi-document file (platform admin), names a bad field, refuses a tenant owner", async () => {
    const [staging, canary] = [`staging${world.shard}`, `canary${world.shard}`];
    const profile = (name: string, extra = "") =>
      `apiVersion: loco.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: ${name}\nspec:\n  baseDomain: ${name}.example.com\n  gateway: { name: public, namespace: ${world.gatewayNamespace} }\n${extra}`;
    const dir = world.tempDir("profiles");
    const file = join(dir, "profiles.yaml");
    writeFileSync(file, `${profile(staging)}---\n${profile(canary)}`);
    try {
      const applied = await as(undefined, ["profile", "apply", file, "-o", "json"]);
      expectExit(applied, 0);
      expect(JSON.parse(applied.stdout)).toEqual({
        items: [
          { name: staging, generation: 1 },
          { name: canary, generation: 1 },
        ],
      });
      const shown = await as(OWNER, ["profile", "show", canary, "-o", "json"]);
      expect(JSON.parse(shown.stdout)).toMatchObject({ name: canary, spec: { baseDomain: `${canary}.example.com` } });

      expectExit(await as(OWNER, ["profile", "apply", file]), EXIT_CODES.auth.code);
      const bad = join(dir, "bad.yaml");
      writeFileSync(bad, profile(staging, "  limits: { maxReplicas: -1 }\n"));
      const refused = await as(undefined, ["profile", "apply", bad]);
      expectExit(refused, EXIT_CODES.usage.code);
      expect(refused.stderr).toContain("spec.limits.maxReplicas");
      writeFileSync(bad, "kind: App\nmetadata: { name: web }\nspec: {}\n");
      const notProfile = await as(undefined, ["profile", "apply", bad]);
      expectExit(notProfile, EXIT_CODES.usage.code);
      expect(notProfile.stderr).toContain("is not a Profile");
    } finally {
      for (const name of [staging, canary]) {
        await world.api.call("DELETE", `/v1/profiles/${name}`, { token: await world.adminToken() });
      }
    }
  });
});
