// Real identifiers for the API fuzz test (test/api/fuzz.test.ts): without them Schemathesis only ever meets 404s on
// everything under a tenant and tests the router, not the logic. For one tenant of an ApiWorld this creates an App with
// a deployment, a Pipeline, a Run of a Pipeline the fuzzer leaves alone, two API tokens and spare objects for the
// DELETE operations, and writes the Schemathesis config that supplies them (path and query parameters, per operation
// where one name means different things). It also reads Schemathesis' reports back: requests sent, status codes,
// warnings.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ApiWorld, TenantFixture } from "./api-world.ts";
import { eventually } from "./kube.ts";

export interface FuzzIdentifiers {
  tenant: string;
  profile: string;
  app: string;
  pipeline: string;
  run: string;
  deploymentId: string;
  /** Tokens for rotateToken and revokeToken, which end them: each operation gets its own. */
  rotateToken: string;
  revokeToken: string;
  /**
   * An owner API token for the fuzzer itself: an OIDC access token expires within minutes, which a long run
   * outlives (every later request would test only the 401 path).
   */
  ownerToken: string;
  /** A member other than the owner the fuzzer acts as (putMember may change its role, removeMember remove it). */
  member: string;
  /** Objects the DELETE operations may remove without taking the others' data away. */
  doomedApp: string;
  doomedPipeline: string;
  /** A webhook (on a loopback target: the fuzz API allows loopback) for its operations, and one to delete. */
  webhook: string;
  doomedWebhook: string;
}

const task = {
  name: "step",
  image: "registry.example.com/ci/step:1",
  resources: { cpu: "10m", memory: "16Mi" },
};

async function ok(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${what} failed: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Creates what the fuzzer needs in `fixture`'s tenant, through the API as its owner. */
export async function seedFuzzData(world: ApiWorld, fixture: TenantFixture): Promise<FuzzIdentifiers> {
  const token = await world.token(fixture.members.owner);
  const base = `/v1/tenants/${fixture.name}`;
  const q = `?profile=${world.profile}`;
  const call = (method: string, path: string, body?: unknown) => world.api.call(method, path, { token, body });

  const deployed = await ok(
    await call("POST", `${base}/apps/${fixture.app}/deployments${q}`, {
      spec: world.appSpec("registry.example.com/acme/web:1.0.1"),
    }),
    "Deploying the fuzz App",
  );
  await ok(await call("PUT", `${base}/apps/doomed${q}`, { spec: world.appSpec() }), "Applying the App to delete");
  for (const name of ["fuzz", "doomed"]) {
    await ok(
      await call("PUT", `${base}/pipelines/${name}${q}`, { spec: { tasks: [task] } }),
      `Applying Pipeline ${name}`,
    );
  }
  // The Run the run operations are given belongs to a Pipeline of its own, which the fuzzer never changes: it does
  // change "fuzz" (history limits of 0 among them), whose history pruning then deleted the Run mid-run, leaving
  // every run operation with 404s. The most history the schema allows keeps it through the fuzzer's reruns.
  await ok(
    await call("PUT", `${base}/pipelines/fuzz-runs${q}`, {
      spec: { tasks: [task], history: { successfulRuns: 1000, failedRuns: 1000 } },
    }),
    "Applying Pipeline fuzz-runs",
  );
  const run = await ok(await call("POST", `${base}/pipelines/fuzz-runs/runs${q}`, {}), "Starting the fuzz Run");
  const tokens: string[] = [];
  for (const name of ["fuzz-rotate", "fuzz-revoke"]) {
    const created = await ok(await call("POST", `${base}/tokens`, { name, role: "viewer" }), `Creating token ${name}`);
    tokens.push((created.token as { id: string }).id);
  }
  const webhooks: string[] = [];
  for (const path of ["kept", "doomed"]) {
    const created = await ok(
      await call("POST", `${base}/webhooks`, { url: `http://127.0.0.1:9/${path}` }),
      `Adding webhook ${path}`,
    );
    webhooks.push((created.webhook as { id: string }).id);
  }
  const owner = await ok(
    await call("POST", `${base}/tokens`, { name: "fuzz-owner", role: "owner", expiresInDays: 1 }),
    "Creating the fuzzer's owner token",
  );
  // Reads come from the mirror: wait until it shows what the fuzzer will ask for.
  for (const path of [
    `${base}/apps/${fixture.app}`,
    `${base}/apps/doomed`,
    `${base}/pipelines/fuzz`,
    `${base}/runs/${run.name}`,
  ]) {
    await eventually(`${path} in the mirror`, async () =>
      (await call("GET", `${path}${q}`)).status === 200 ? true : undefined,
    );
  }
  return {
    tenant: fixture.name,
    profile: world.profile,
    app: fixture.app,
    pipeline: "fuzz",
    run: run.name as string,
    deploymentId: deployed.deploymentId as string,
    rotateToken: tokens[0]!,
    revokeToken: tokens[1]!,
    ownerToken: owner.secret as string,
    member: fixture.members.viewer,
    doomedApp: "doomed",
    doomedPipeline: "doomed",
    webhook: webhooks[0]!,
    doomedWebhook: webhooks[1]!,
  };
}

const toml = (value: string | number) => (typeof value === "number" ? String(value) : JSON.stringify(value));
const table = (entries: Record<string, string | number>) =>
  `{ ${Object.entries(entries)
    .map(([k, v]) => `${JSON.stringify(k)} = ${toml(v)}`)
    .join(", ")} }`;

/**
 * The Schemathesis config: every check, the rejection statuses the API uses, and the identifiers as parameters.
 * The same parameter name means different things on some operations (`id` is a deployment or a token), and
 * the DELETE operations get objects of their own, so that one early delete does not leave the rest with 404s.
 */
export function fuzzConfig(ids: FuzzIdentifiers, extra = ""): string {
  const perOperation: [string, Record<string, string | number>][] = [
    ["getDeployment", { "path.id": ids.deploymentId }],
    ["watchDeployment", { "path.id": ids.deploymentId }],
    ["rotateToken", { "path.id": ids.rotateToken }],
    ["revokeToken", { "path.id": ids.revokeToken }],
    ["deleteApp", { "path.app": ids.doomedApp }],
    ["deletePipeline", { "path.pipeline": ids.doomedPipeline }],
    ["getWebhook", { "path.id": ids.webhook }],
    ["testWebhook", { "path.id": ids.webhook }],
    ["listWebhookDeliveries", { "path.id": ids.webhook }],
    ["deleteWebhook", { "path.id": ids.doomedWebhook }],
  ];
  return [
    // An invalid body larger than the server's body limit is refused with 413 before it is validated, and an
    // invalid query so long that the request line passes the header limit with 431 (Node counts the request line
    // against it): rejections, which Schemathesis' default list of rejection statuses lacks.
    "[checks.negative_data_rejection]",
    'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "431", "5xx"]',
    "",
    "[parameters]",
    `"path.tenant" = ${toml(ids.tenant)}`,
    `"query.profile" = ${toml(ids.profile)}`,
    `"path.profile" = ${toml(ids.profile)}`,
    `"path.app" = ${toml(ids.app)}`,
    `"path.pipeline" = ${toml(ids.pipeline)}`,
    `"path.run" = ${toml(ids.run)}`,
    `"path.subject" = ${toml(ids.member)}`,
    `"path.release" = 1`,
    "",
    ...perOperation.flatMap(([operationId, parameters]) => [
      "[[operations]]",
      `include-operation-id = ${toml(operationId)}`,
      `parameters = ${table(parameters)}`,
      "",
    ]),
    extra,
  ].join("\n");
}

export interface FuzzFigures {
  requests: number;
  statuses: Record<string, number>;
  serverErrors: number;
  /** Operations Schemathesis says never got past "not found" with valid data. */
  missingTestData: string[];
  entries: HarEntry[];
}

export interface HarEntry {
  request: { method: string; url: string; postData?: { text?: string; mimeType?: string } };
  response: { status: number };
}

/** Figures from the HAR and JSON reports Schemathesis wrote into `dir`. */
export function fuzzFigures(dir: string): FuzzFigures {
  const har = JSON.parse(readFileSync(join(dir, "fuzz.har"), "utf8")) as { log: { entries: HarEntry[] } };
  const entries = har.log.entries;
  const statuses: Record<string, number> = {};
  for (const entry of entries) statuses[entry.response.status] = (statuses[entry.response.status] ?? 0) + 1;
  const report = JSON.parse(readFileSync(join(dir, "fuzz.json"), "utf8")) as Record<string, unknown>;
  return {
    requests: entries.length,
    statuses,
    serverErrors: entries.filter((e) => e.response.status >= 500).length,
    missingTestData: findList(report, "missing_test_data"),
    entries,
  };
}

/**
 * Operations of the OpenAPI document (`paths`) that no request in `entries` was sent to, by operationId: an
 * endpoint the fuzzer never called is one it did not test, however clean the rest of the run.
 */
export function unexercised(
  entries: readonly HarEntry[],
  paths: Record<string, Record<string, { operationId: string }>>,
): string[] {
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      id: operation.operationId,
    })),
  );
  const called = new Set<string>();
  for (const entry of entries) {
    const { pathname } = new URL(entry.request.url);
    for (const operation of operations) {
      if (operation.method === entry.request.method && operation.pattern.test(pathname)) called.add(operation.id);
    }
  }
  return operations.filter((o) => !called.has(o.id)).map((o) => o.id);
}

/** The list under `key` anywhere in the JSON report (its place has moved between Schemathesis releases). */
function findList(value: unknown, key: string): string[] {
  if (typeof value !== "object" || value === null) return [];
  for (const [k, v] of Object.entries(value)) {
    if (k === key && Array.isArray(v)) return v.map(String);
    const found = findList(v, key);
    if (found.length > 0) return found;
  }
  return [];
}

export function writeConfig(dir: string, ids: FuzzIdentifiers, extra = ""): string {
  const path = join(dir, "schemathesis.toml");
  writeFileSync(path, fuzzConfig(ids, extra));
  return path;
}
