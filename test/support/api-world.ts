// A whole API world for tenancy tests: a real OpenID Provider with a platform admin, an outsider and one identity
// per role in each of two tenants; the real operator mirroring into a fresh Postgres database; the API; a Profile
// written through the API; both tenants created through the API, with one App each.
import { randomBytes } from "node:crypto";
import { ROLES, type Role } from "../../api/auth/principal.ts";
import type { ApiTelemetry } from "../../api/telemetry.ts";
import { PROFILE } from "../../crds/kinds.ts";
import type { Logger } from "../../kube/logger.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import type { OperatorOptions, RunningOperator } from "../../operator/operator.ts";
import { startTestApi, type TestApi } from "./api-server.ts";
import { createTestDatabase } from "./database.ts";
import { eventually } from "./kube.ts";
import { startOidcProvider, type TestOidcProvider } from "./oidc-provider.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "./operator.ts";
import { applyTestGateway } from "./test-gateway.ts";

export const AUDIENCE = "https://api.loco.test";
export const ADMIN = "platform-ops";
export const OUTSIDER = "outsider";

export interface TenantFixture {
  name: string;
  /** Subject of the member with each role. */
  members: Record<Role, string>;
  app: string;
}

export interface ApiWorld {
  api: TestApi;
  idp: TestOidcProvider;
  operator: RunningOperator;
  profile: string;
  databaseUrl: string;
  tenants: [TenantFixture, TenantFixture];
  token(subject: string): Promise<string>;
  appSpec(image?: string): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startApiWorld(
  prefix: string,
  options: {
    operator?: Partial<OperatorOptions>;
    api?: { args?: string[]; telemetry?: ApiTelemetry; log?: Logger };
    /** More of the test Profile's spec (limits, say), beside its base domain and Gateway. */
    profileSpec?: Record<string, unknown>;
  } = {},
): Promise<ApiWorld> {
  const shard = newShard();
  const suffix = randomBytes(3).toString("hex");
  const tenantNames = [`${prefix}a${suffix}`, `${prefix}b${suffix}`] as const;
  const fixtures = tenantNames.map((name, index) => ({
    name,
    app: `web-${index}`,
    members: Object.fromEntries(ROLES.map((role) => [role, `${"ab"[index]}-${role}`])) as Record<Role, string>,
  })) as [TenantFixture, TenantFixture];
  const database = await createTestDatabase(`loco_${prefix}`);
  const idp = await startOidcProvider({
    audience: AUDIENCE,
    identities: [
      { id: ADMIN, groups: ["loco-admins"] },
      { id: OUTSIDER },
      ...fixtures.flatMap((t) => Object.values(t.members).map((id) => ({ id }))),
    ],
  });
  const operator = await startTestOperator(shard, { databaseUrl: database.url, ...options.operator });
  const api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" },
    args: [
      "--platform-admin-groups",
      "loco-admins",
      "--rate-limit-per-ip",
      "100000",
      "--rate-limit-per-token",
      "100000",
      ...(options.api?.args ?? []),
    ],
    objectLabels: { [SHARD_LABEL]: shard },
    ...(options.api?.telemetry ? { telemetry: options.api.telemetry } : {}),
    ...(options.api?.log ? { log: options.api.log } : {}),
  });
  const tokens = new Map<string, { token: string; at: number }>();
  const token = async (subject: string) => {
    const cached = tokens.get(subject);
    if (cached && Date.now() - cached.at < 300_000) return cached.token;
    const fresh = await idp.token(subject);
    tokens.set(subject, { token: fresh, at: Date.now() });
    return fresh;
  };
  const profile = `p${shard}`;
  const appSpec = (image = "registry.example.com/acme/web:1.0.0") => ({
    profile,
    image,
    ports: [{ name: "http", port: 8080 }],
    resources: { cpu: "10m", memory: "32Mi" },
  });
  // A real Gateway for the Profile, so that its Apps can become Ready.
  const gatewayNamespace = `gw-${shard}`;
  await applyTestGateway(api.kube, gatewayNamespace);
  const admin = await token(ADMIN);
  const put = await api.call("PUT", `/v1/profiles/${profile}`, {
    token: admin,
    body: {
      spec: {
        baseDomain: "apps.example.com",
        gateway: { name: "public", namespace: gatewayNamespace },
        ...options.profileSpec,
      },
    },
  });
  if (put.status !== 200) throw new Error(`Applying the test Profile failed: ${put.status} ${await put.text()}`);
  // Tenants get a namespace per Profile the mirror knows.
  await eventually("the Profile in the mirror", async () =>
    (await api.call("GET", `/v1/profiles/${profile}`, { token: admin })).status === 200 ? true : undefined,
  );
  for (const fixture of fixtures) {
    const created = await api.call("POST", "/v1/tenants", {
      token: admin,
      body: { name: fixture.name, owner: fixture.members.owner },
    });
    if (created.status !== 201) throw new Error(`Creating tenant ${fixture.name} failed: ${await created.text()}`);
    for (const role of ["admin", "developer", "viewer"] as const) {
      const member = await api.call("PUT", `/v1/tenants/${fixture.name}/members/${fixture.members[role]}`, {
        token: admin,
        body: { role },
      });
      if (member.status !== 200) throw new Error(`Adding a member failed: ${await member.text()}`);
    }
    const app = await api.call("PUT", `/v1/tenants/${fixture.name}/apps/${fixture.app}?profile=${profile}`, {
      token: await token(fixture.members.developer),
      body: { spec: appSpec() },
    });
    if (app.status !== 200) throw new Error(`Applying an App failed: ${await app.text()}`);
  }
  for (const fixture of fixtures) {
    await eventually(`App ${fixture.app} of ${fixture.name} in the mirror`, async () =>
      (
        await api.call("GET", `/v1/tenants/${fixture.name}/apps/${fixture.app}?profile=${profile}`, {
          token: await token(fixture.members.viewer),
        })
      ).status === 200
        ? true
        : undefined,
    );
  }
  return {
    api,
    idp,
    operator,
    profile,
    databaseUrl: database.url,
    tenants: fixtures,
    token,
    appSpec,
    async stop() {
      await operator.stop().catch(() => {});
      await Promise.allSettled([
        ...fixtures.map((f) => api.kube.delete(NAMESPACE, undefined, `${f.name}-${profile}`)),
        api.kube.delete(PROFILE, undefined, profile),
        api.kube.delete(NAMESPACE, undefined, gatewayNamespace),
      ]);
      await api.stop();
      await idp.stop();
      await database.drop();
    },
  };
}
