// The world the CLI's end-to-end tests run in: a real OpenID Provider with the CLI's public client and device
// flow (test users log in through its pages), the real operator mirroring into a fresh Postgres database, the
// API trusting that provider, and a Profile with a real Gateway — what a platform install provides before any
// user arrives. Tenants, apps and everything else are the test's to create, as a user would.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROFILE } from "../../crds/kinds.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { startTestApi, type TestApi } from "./api-server.ts";
import { createTestDatabase } from "./database.ts";
import { eventually } from "./kube.ts";
import { startOidcProvider, type TestOidcProvider, type TestUser } from "./oidc-provider.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "./operator.ts";
import { applyTestGateway } from "./test-gateway.ts";

export const E2E_AUDIENCE = "https://api.loco.test";
export const CLI_CLIENT_ID = "loco-cli";
/** The platform team's machine identity, which installs the Profile (client credentials, not a user). */
const INSTALLER = "platform-installer";

export interface E2eWorld {
  api: TestApi;
  idp: TestOidcProvider;
  operator: RunningOperator;
  /** The Profile apps deploy to. */
  profile: string;
  baseDomain: string;
  shard: string;
  /** A namespace of the world's own, outside any tenant (the Gateway's). */
  gatewayNamespace: string;
  /** A platform admin's bearer token (the installer's), for setting up what a test does not exercise. */
  adminToken(): Promise<string>;
  /** A fresh directory under the test run's temp folder (a HOME, a repository). */
  tempDir(prefix: string): string;
  stop(): Promise<void>;
}

export async function startE2eWorld(options: {
  prefix: string;
  /** Name of the Profile to install; defaults to one unique to this world. */
  profile?: string;
  users: TestUser[];
  /** The API's capacity pre-flight multiple; 0 turns it off (a test that fills the node on purpose). */
  capacityMultiple?: number;
}): Promise<E2eWorld> {
  const shard = newShard();
  const database = await createTestDatabase(`loco_${options.prefix}`);
  const idp = await startOidcProvider({
    audience: E2E_AUDIENCE,
    identities: [{ id: INSTALLER, groups: ["loco-admins"] }],
    deviceClient: CLI_CLIENT_ID,
    users: options.users,
  });
  const operator = await startTestOperator(shard, { databaseUrl: database.url });
  const api = await startTestApi({
    databaseUrl: database.url,
    oidc: { issuer: idp.issuer, audience: E2E_AUDIENCE, clientId: CLI_CLIENT_ID },
    args: [
      "--platform-admin-groups",
      "loco-admins",
      "--rate-limit-per-ip",
      "100000",
      "--rate-limit-per-token",
      "100000",
      // Room for the test of a deploy that never becomes Ready: its pod asks for more CPU than the one node
      // has, so it stays Pending; the quota and the capacity pre-flight must let it through to the cluster.
      "--tenant-quota",
      "requests.cpu=200,requests.memory=64Gi,pods=200",
      "--capacity-multiple",
      String(options.capacityMultiple ?? 0.5),
    ],
    objectLabels: { [SHARD_LABEL]: shard },
  });
  const profile = options.profile ?? `p${shard}`;
  const baseDomain = `${shard}.apps.example.com`;
  const gatewayNamespace = `gw-${shard}`;
  await applyTestGateway(api.kube, gatewayNamespace);
  const installer = await idp.token(INSTALLER);
  const put = await api.call("PUT", `/v1/profiles/${profile}`, {
    token: installer,
    body: { spec: { baseDomain, gateway: { name: "public", namespace: gatewayNamespace } } },
  });
  if (put.status !== 200) throw new Error(`Installing Profile ${profile} failed: ${put.status} ${await put.text()}`);
  await eventually(`Profile ${profile} in the mirror`, async () =>
    (await api.call("GET", `/v1/profiles/${profile}`, { token: installer })).status === 200 ? true : undefined,
  );
  const root = mkdtempSync(join(tmpdir(), `loco-e2e-${options.prefix}-`));
  return {
    api,
    idp,
    operator,
    profile,
    baseDomain,
    shard,
    gatewayNamespace,
    adminToken: () => idp.token(INSTALLER),
    tempDir: (prefix) => mkdtempSync(join(root, `${prefix}-${randomBytes(2).toString("hex")}-`)),
    async stop() {
      await operator.stop().catch(() => {});
      const namespaces = await api.kube
        .list(NAMESPACE, undefined, { labelSelector: `${SHARD_LABEL}=${shard}` })
        .then((list) => list.items)
        .catch(() => []);
      await Promise.allSettled([
        ...namespaces.map((n) => api.kube.delete(NAMESPACE, undefined, n.metadata.name!)),
        api.kube.delete(PROFILE, undefined, profile),
        api.kube.delete(NAMESPACE, undefined, gatewayNamespace),
      ]);
      await api.stop();
      await idp.stop();
      await database.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
