// Per-tenant webhooks against the real API, Postgres, OpenID Provider and a receiver on loopback (allowed here with
// --webhook-allow-addresses loopback): events the mirror records arrive signed and in order; a bad signature or an
// old timestamp is detected; private targets are refused when created and again when sent (the resolved address is
// checked at connect time); a failing receiver is retried with backoff, visible in the delivery log; redirects are
// not followed; two workers (two API replicas) never send a delivery twice; a worker that died holding a delivery
// loses it to another; another tenant's webhooks are invisible.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryWorker } from "../../api/notifications/delivery-worker.ts";
import { verifyWebhook } from "../../api/notifications/verify-webhook.ts";
import { Mirror, type MirrorSource } from "../../db/mirror.ts";
import {
  claimDeliveries,
  pruneDeliveries,
  rotateWebhookSecrets,
  webhookSecretAad,
} from "../../db/notifications/webhook-store.ts";
import { open, parseKeyRing } from "../../db/secret-crypto.ts";
import { silentLogger } from "../../kube/logger.ts";
import type { KubeObject } from "../../kube/types.ts";
import { startTestApi, type TestApi } from "../support/api-server.ts";
import { createTestDatabase } from "../support/database.ts";
import { Loco, shown } from "../support/e2e-cli.ts";
import { eventually } from "../support/kube.ts";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.ts";
import { TEST_KEK, testKeyRing } from "../support/test-key-ring.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const AUDIENCE = "https://api.loco.test";
const suffix = randomBytes(3).toString("hex");
const tenant = `hooka${suffix}`;
const other = `hookb${suffix}`;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let idp: TestOidcProvider;
/** Allows loopback targets, as a platform admin would for a local receiver. */
let api: TestApi;
/** The default: no private target allowed. */
let strict: TestApi;
let receiver: WebhookReceiver;
let mirror: Mirror;
const source = new (class implements MirrorSource {
  readonly resource = { kind: "App" };
  private readonly objects = new Map<string, KubeObject>();
  private readonly handlers: Parameters<MirrorSource["addHandlers"]>[0][] = [];
  list = () => [...this.objects.values()];
  addHandlers(handlers: Parameters<MirrorSource["addHandlers"]>[0]) {
    this.handlers.push(handlers);
  }
  upsert(object: KubeObject) {
    this.objects.set(object.metadata.uid ?? "", object);
    for (const h of this.handlers) h.onUpsert?.(object, undefined);
  }
})();
const workers: DeliveryWorker[] = [];
const FAST = { maxAttempts: 3, baseMs: 300, maxDelayMs: 1000 };

function worker(allowed: string[] = ["loopback"]): DeliveryWorker {
  const w = new DeliveryWorker({
    db: api.database.db,
    keyRing: testKeyRing,
    log: silentLogger,
    allowed: new Set(allowed),
    retry: FAST,
    pollMs: 25,
    timeoutMs: 2000,
  });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  database = await createTestDatabase("loco_webhooks");
  idp = await startOidcProvider({
    audience: AUDIENCE,
    identities: [{ id: "platform-ops", groups: ["loco-admins"] }, { id: "olga" }, { id: "dora" }, { id: "otto" }],
  });
  const args = ["--platform-admin-groups", "loco-admins", "--rate-limit-per-ip", "100000"];
  const oidc = { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" };
  api = await startTestApi({
    databaseUrl: database.url,
    oidc,
    args: [...args, "--webhook-allow-addresses", "loopback"],
    consoleDir: "",
  });
  strict = await startTestApi({ databaseUrl: database.url, oidc, args, consoleDir: "" });
  const admin = await idp.token("platform-ops");
  for (const [name, owner] of [
    [tenant, "olga"],
    [other, "otto"],
  ] as const) {
    const created = await api.call("POST", "/v1/tenants", { token: admin, body: { name, owner } });
    expect(created.status).toBe(201);
  }
  const put = await api.call("PUT", `/v1/tenants/${tenant}/members/dora`, {
    token: admin,
    body: { role: "developer" },
  });
  expect(put.status).toBe(200);
  receiver = await startWebhookReceiver();
  mirror = new Mirror({
    db: api.database.db,
    log: silentLogger,
    sources: [source],
    tenantOf: (namespace) => namespace.split("-")[0],
  });
  mirror.start();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await mirror?.stop();
  await receiver?.stop();
  await api?.stop();
  await strict?.stop();
  await idp?.stop();
  await database?.drop();
});

interface Created {
  webhook: { id: string; url: string; events: string[]; format: string };
  secret: string;
}
interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  state: string;
  attempts: number;
  lastError: string | null;
  responseCode: number | null;
}

const as = (subject: string) => idp.token(subject);
async function create(body: Record<string, unknown>, on: TestApi = api, subject = "olga", where = tenant) {
  return on.call("POST", `/v1/tenants/${where}/webhooks`, { token: await as(subject), body });
}
async function created(body: Record<string, unknown>, where = tenant, subject = "olga"): Promise<Created> {
  const response = await create(body, api, subject, where);
  expect(response.status).toBe(201);
  return (await response.json()) as Created;
}
async function deliveries(id: string, where = tenant): Promise<Delivery[]> {
  const response = await api.call("GET", `/v1/tenants/${where}/webhooks/${id}/deliveries`, { token: await as("olga") });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Delivery[] }).items;
}

let clock = Date.parse("2026-12-05T10:00:00Z");
const next = () => {
  clock += 1000;
  return new Date(clock).toISOString();
};
function app(name: string, namespace: string, deploymentId: string, ready: string, reason: string, uid: string) {
  const at = next();
  const object: KubeObject = {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace, uid, resourceVersion: randomUUID(), generation: 1, creationTimestamp: at },
    spec: { image: `nginx:${deploymentId.slice(-4)}` },
    status: {
      deploymentId,
      lastDeployTime: at,
      conditions: [{ type: "Ready", status: ready, reason, lastTransitionTime: at }],
    },
  };
  return object;
}
async function mirrored(object: KubeObject) {
  source.upsert(object);
  await mirror.drained();
}

describe("webhook targets", () => {
  it("refuses loopback, private, link-local and names resolving to loopback by default, naming the field", async () => {
    for (const url of [
      "http://127.0.0.1:9/hook",
      "http://10.0.0.1/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]:9/",
      "http://[fd00::1]/",
      `http://localhost:${receiver.port}/`,
      "http://0.0.0.0/",
    ]) {
      const response = await create({ url }, strict);
      expect(response.status, url).toBe(400);
      const problem = (await response.json()) as { detail: string; errors: { field: string }[] };
      expect(problem.errors[0]?.field).toBe("url");
      expect(problem.detail).toMatch(/loopback|private|link-local|unique-local|unspecified/);
    }
  });

  it("allows only the class the platform admin allowed, and refuses what is not an http(s) URL", async () => {
    expect((await create({ url: `${receiver.url}/ok` })).status).toBe(201);
    const privateTarget = await create({ url: "http://10.0.0.1/hook" });
    expect(privateTarget.status).toBe(400);
    expect(((await privateTarget.json()) as { detail: string }).detail).toMatch(/10\.0\.0\.1 is a private address/);
    for (const url of ["ftp://example.com/", "http://user:pw@example.com/", "not a url"]) {
      expect((await create({ url })).status, url).toBe(400);
    }
  });

  it("checks the resolved address again when sending: a name resolving to loopback is refused at connect time", async () => {
    const hook = await created({ url: `http://localhost:${receiver.port}/rebound`, events: ["release.started"] });
    const test = await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, {
      token: await as("olga"),
    });
    expect(test.status).toBe(202);
    // This worker runs under the default rule (as a replica without the allowance would).
    await worker([]).runOnce();
    const [delivery] = await deliveries(hook.webhook.id);
    expect(delivery).toMatchObject({ state: "failed", attempts: 1, responseCode: null });
    expect(delivery?.lastError).toMatch(/localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
    expect(receiver.received.filter((r) => r.path === "/rebound")).toHaveLength(0);
    await api.call("DELETE", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}`, { token: await as("olga") });
  });
});

describe("webhooks API", () => {
  it("lets admins and owners add webhooks, shows the secret once, and hides them from other tenants", async () => {
    const byDeveloper = await create({ url: `${receiver.url}/dev` }, api, "dora");
    expect(byDeveloper.status).toBe(403);
    const hook = await created({ url: `${receiver.url}/listed?token=abc`, description: "listed" });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(hook.webhook.url).toBe(`${receiver.url}/listed?…`);
    const list = await api.call("GET", `/v1/tenants/${tenant}/webhooks`, { token: await as("dora") });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).toContain(hook.webhook.id);
    expect(text).not.toContain(hook.secret);
    // Another tenant's owner: neither the tenant nor, through their own tenant, the webhook is there.
    const otto = await as("otto");
    expect((await api.call("GET", `/v1/tenants/${tenant}/webhooks`, { token: otto })).status).toBe(404);
    const foreign = await api.call("GET", `/v1/tenants/${other}/webhooks/${hook.webhook.id}`, { token: otto });
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain(tenant);
    const foreignDelete = await api.call("DELETE", `/v1/tenants/${other}/webhooks/${hook.webhook.id}`, { token: otto });
    expect(foreignDelete.status).toBe(404);
    expect(
      (await api.call("GET", `/v1/tenants/${other}/webhooks/${hook.webhook.id}/deliveries`, { token: otto })).status,
    ).toBe(404);
    // A Slack URL is a credential: listed shortened.
    const slack = await created({ url: `${receiver.url}/services/T0/B0/secretpath`, format: "slack" });
    expect(slack.webhook.url).toBe(`${receiver.url}/…`);
    const audit = await api.call("GET", `/v1/tenants/${tenant}/audit`, { token: await as("olga") });
    expect(await audit.text()).toContain("webhooks.create");
    for (const id of [hook.webhook.id, slack.webhook.id]) {
      const removed = await api.call("DELETE", `/v1/tenants/${tenant}/webhooks/${id}`, { token: await as("olga") });
      expect(removed.status).toBe(204);
    }
    // A removed webhook keeps no secret, not even sealed.
    const { rows: removedRows } = await sql<{ sealed: number }>`
      SELECT count(*)::int AS sealed FROM webhooks WHERE id = ${hook.webhook.id}
        AND (secret_ciphertext IS NOT NULL OR secret_wrapped_key IS NOT NULL OR secret_key_id IS NOT NULL)`.execute(
      api.database.db,
    );
    expect(removedRows[0]?.sealed).toBe(0);
    expect(
      (await api.call("GET", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}`, { token: await as("olga") })).status,
    ).toBe(404);
  });
});

describe("signing secrets at rest", () => {
  it("stores the secret sealed under the key-encryption key, bound to its webhook, never in plain text", async () => {
    const hook = await created({ url: `${receiver.url}/sealed` });
    const { rows } = await sql<{
      row: string;
      secret_ciphertext: Uint8Array;
      secret_wrapped_key: Uint8Array;
      secret_key_id: string;
    }>`
      SELECT row_to_json(w)::text AS row, secret_ciphertext, secret_wrapped_key, secret_key_id
      FROM webhooks w WHERE id = ${hook.webhook.id}`.execute(api.database.db);
    const row = rows[0]!;
    // Neither the secret nor its random part is anywhere in the row, as text or as bytes.
    const random = hook.secret.slice("whsec_".length);
    expect(row.row).not.toContain(random);
    expect(Buffer.from(row.secret_ciphertext).includes(Buffer.from(random))).toBe(false);
    expect(row.secret_key_id).toBe(testKeyRing.activeId);
    const sealed = {
      ciphertext: Buffer.from(row.secret_ciphertext),
      wrappedKey: Buffer.from(row.secret_wrapped_key),
      keyId: row.secret_key_id,
    };
    expect(open(testKeyRing, sealed, webhookSecretAad(tenant, hook.webhook.id))).toBe(hook.secret);
    // Moved to another tenant's webhook, it does not open.
    expect(() => open(testKeyRing, sealed, webhookSecretAad(other, hook.webhook.id))).toThrow(/failed to decrypt/);
    await api.call("DELETE", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}`, { token: await as("olga") });
  });

  it("sends nothing for a secret that does not open, and keeps claiming the other webhooks", async () => {
    const hook = await created({ url: `${receiver.url}/unopened` });
    const token = await as("olga");
    expect(
      (await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token })).status,
    ).toBeLessThan(300);
    const stranger = parseKeyRing(`${testKeyRing.activeId}:${randomBytes(32).toString("base64")}`, "test");
    const refused: string[] = [];
    const claims = await claimDeliveries(api.database.db, stranger, {
      holder: "stranger",
      leaseMs: 60_000,
      limit: 50,
      onSealError: (id, error) => {
        refused.push(id);
        expect(error.message).toMatch(/failed to decrypt/);
      },
    });
    expect(claims.map((c) => c.webhookId)).not.toContain(hook.webhook.id);
    expect(refused).toContain(hook.webhook.id);
    // Let go of what this claim holds, for the workers of the tests that follow.
    await sql`UPDATE webhooks SET lease_until = NULL, lease_holder = NULL WHERE lease_holder = 'stranger'`.execute(
      api.database.db,
    );
    await api.call("DELETE", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}`, { token });
  });

  it("is refused with a clear 503 by an API that has no key-encryption key, which serves everything else", async () => {
    const keyless = await startTestApi({
      databaseUrl: database.url,
      database: api.database,
      oidc: { issuer: idp.issuer, audience: AUDIENCE, clientId: "loco-cli" },
      args: ["--platform-admin-groups", "loco-admins", "--webhook-allow-addresses", "loopback"],
      consoleDir: "",
      keyRing: null,
    });
    try {
      const refused = await create({ url: `${receiver.url}/keyless` }, keyless, "olga");
      expect(refused.status).toBe(503);
      const problem = (await refused.json()) as { code: string; reason: string; detail: string };
      expect(problem).toMatchObject({ code: "Unavailable", reason: "WebhooksNeedKey" });
      expect(problem.detail).toContain("LOCO_KEK_FILE");
      expect(problem.detail).toContain("same key-encryption key as the operator");
      const list = await keyless.call("GET", `/v1/tenants/${tenant}/webhooks`, { token: await as("olga") });
      expect(list.status).toBe(200);
    } finally {
      await keyless.stop();
    }
  });

  it("re-wraps the secrets under a new key; deliveries are still signed with the same secret", async () => {
    const hook = await created({ url: `${receiver.url}/rotated` });
    const newer = `test-2:${randomBytes(32).toString("base64")}`;
    const both = parseKeyRing(`${newer},${TEST_KEK}`, "test");
    expect(await rotateWebhookSecrets(api.database.db, both)).toBeGreaterThanOrEqual(1);
    expect(await rotateWebhookSecrets(api.database.db, both)).toBe(0);
    const { rows } = await sql<{ secret_key_id: string }>`
      SELECT secret_key_id FROM webhooks WHERE id = ${hook.webhook.id}`.execute(api.database.db);
    expect(rows[0]?.secret_key_id).toBe("test-2");
    // Only the new key is needed from now on.
    const rotated = new DeliveryWorker({
      db: api.database.db,
      keyRing: parseKeyRing(newer, "test"),
      log: silentLogger,
      allowed: new Set(["loopback"]),
      pollMs: 25,
      timeoutMs: 2000,
    });
    workers.push(rotated);
    rotated.start();
    const sent = await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, {
      token: await as("olga"),
    });
    expect(sent.status).toBeLessThan(300);
    const [arrived] = await receiver.waitFor("/rotated", 1);
    const check = verifyWebhook({
      secret: hook.secret,
      body: arrived!.body,
      timestamp: arrived!.headers["loco-webhook-timestamp"] as string,
      signature: arrived!.headers["loco-webhook-signature"] as string,
    });
    expect(check).toMatchObject({ ok: true });
    await rotated.stop();
    await api.call("DELETE", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}`, { token: await as("olga") });
    // Back under the test key, for the workers of the tests that follow.
    await rotateWebhookSecrets(api.database.db, parseKeyRing(`${TEST_KEK},${newer}`, "test"));
  });
});

describe("delivery", () => {
  it("delivers the tenant's release and run events signed and in order, and only the tenant's", async () => {
    const hook = await created({ url: `${receiver.url}/events` });
    const foreign = await created({ url: `${receiver.url}/foreign` }, other, "otto");
    worker().start();
    const uid = randomUUID();
    await mirrored(app("web", `${tenant}-prod`, "01JDAAAAAAAAAAAAAAAAAAAAA1", "Unknown", "Progressing", uid));
    await mirrored(app("web", `${tenant}-prod`, "01JDAAAAAAAAAAAAAAAAAAAAA1", "True", "Available", uid));
    await mirrored(app("web", `${tenant}-prod`, "01JDAAAAAAAAAAAAAAAAAAAAA2", "Unknown", "Progressing", uid));
    await mirrored(
      app("web", `${tenant}-prod`, "01JDAAAAAAAAAAAAAAAAAAAAA2", "False", "ProgressDeadlineExceeded", uid),
    );
    const at = next();
    await mirrored({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Run",
      metadata: { name: "ci-x7k2m", namespace: `${tenant}-dev`, uid: randomUUID(), resourceVersion: "1" },
      status: { conditions: [{ type: "Succeeded", status: "False", reason: "AbnormalExit", lastTransitionTime: at }] },
    });
    // Replaying a snapshot the mirror already recorded queues nothing more.
    await mirrored({
      ...app("web", `${tenant}-prod`, "01JDAAAAAAAAAAAAAAAAAAAAA1", "True", "Available", uid),
      metadata: { name: "web", namespace: `${tenant}-prod`, uid, resourceVersion: randomUUID() },
    });
    const arrived = await receiver.waitFor("/events", 5);
    const bodies = arrived.map((r) => JSON.parse(r.body) as { type: string; deploymentId: string | null });
    expect(bodies.map((b) => [b.type, b.deploymentId])).toEqual([
      ["release.started", "01JDAAAAAAAAAAAAAAAAAAAAA1"],
      ["release.succeeded", "01JDAAAAAAAAAAAAAAAAAAAAA1"],
      ["release.started", "01JDAAAAAAAAAAAAAAAAAAAAA2"],
      ["release.failed", "01JDAAAAAAAAAAAAAAAAAAAAA2"],
      ["run.failed", null],
    ]);
    expect(JSON.parse(arrived[4]!.body)).toMatchObject({
      tenant,
      namespace: `${tenant}-dev`,
      profile: "dev",
      object: { kind: "Run", name: "ci-x7k2m" },
      reason: "AbnormalExit",
    });
    for (const request of arrived) {
      const check = (input: { body?: string; secret?: string; now?: number }) =>
        verifyWebhook({
          secret: input.secret ?? hook.secret,
          body: input.body ?? request.body,
          timestamp: request.headers["loco-webhook-timestamp"] as string,
          signature: request.headers["loco-webhook-signature"] as string,
          ...(input.now ? { now: input.now } : {}),
        });
      expect(check({})).toMatchObject({ ok: true });
      expect(check({ body: request.body.replace('"type"', '"tipe"') })).toMatchObject({
        ok: false,
        reason: "BadSignature",
      });
      expect(check({ secret: foreign.secret })).toMatchObject({ ok: false, reason: "BadSignature" });
      expect(check({ now: Date.now() + 10 * 60_000 })).toMatchObject({ ok: false, reason: "TooOld" });
      expect(request.headers["loco-webhook-id"]).toBe(JSON.parse(request.body).id);
    }
    // Another tenant's App: its own webhook hears of it, this tenant's does not.
    await mirrored(app("api", `${other}-prod`, "01JDBBBBBBBBBBBBBBBBBBBBB1", "Unknown", "Progressing", randomUUID()));
    const [foreignEvent] = await receiver.waitFor("/foreign", 1);
    expect(JSON.parse(foreignEvent!.body)).toMatchObject({ tenant: other, type: "release.started" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.filter((r) => r.path === "/events")).toHaveLength(5);
    const log = await deliveries(hook.webhook.id);
    expect(log.map((d) => [d.eventType, d.state, d.attempts, d.responseCode])).toEqual(
      [
        ["release.started", "delivered", 1, 204],
        ["release.succeeded", "delivered", 1, 204],
        ["release.started", "delivered", 1, 204],
        ["release.failed", "delivered", 1, 204],
        ["run.failed", "delivered", 1, 204],
      ].reverse(),
    );
  });

  it("retries a failing receiver with backoff, logs each failure, and gives up after the last attempt", async () => {
    receiver.script("/flaky", [500, 503]);
    receiver.script("/down", [500, 500, 500]);
    const flaky = await created({ url: `${receiver.url}/flaky`, events: ["release.failed"] });
    const down = await created({ url: `${receiver.url}/down`, events: ["release.failed"] });
    const token = await as("olga");
    for (const hook of [flaky, down]) {
      const sent = await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token });
      expect(sent.status).toBe(202);
    }
    const tries = await receiver.waitFor("/flaky", 3);
    // Equal jitter keeps at least half of each delay: ≥150 ms, then ≥300 ms.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(140);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(290);
    expect(new Set(tries.map((t) => t.headers["loco-webhook-id"])).size).toBe(1);
    const delivered = await eventually("the flaky delivery recorded", async () => {
      const [d] = await deliveries(flaky.webhook.id);
      return d?.state === "delivered" ? d : undefined;
    });
    expect(delivered).toMatchObject({ eventType: "webhook.test", attempts: 3, responseCode: 204, lastError: null });
    const failed = await eventually("the down delivery given up", async () => {
      const [d] = await deliveries(down.webhook.id);
      return d?.state === "failed" ? d : undefined;
    });
    expect(failed).toMatchObject({ attempts: 3, responseCode: 500, lastError: "the receiver answered 500" });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(receiver.received.filter((r) => r.path === "/down")).toHaveLength(3);
    // While a retry waits, the log says so.
    receiver.script("/waiting", [500, 500, 500]);
    const waiting = await created({ url: `${receiver.url}/waiting`, events: ["release.failed"] });
    await api.call("POST", `/v1/tenants/${tenant}/webhooks/${waiting.webhook.id}/test`, { token });
    // Between attempts (150 ms to 1 s with this test's policy): looked for often enough not to miss it.
    const pending = await eventually(
      "a pending retry",
      async () => {
        const [d] = await deliveries(waiting.webhook.id);
        return d?.state === "pending" && d.attempts >= 1 ? d : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    expect(pending).toMatchObject({ responseCode: 500, lastError: "the receiver answered 500" });
    expect((pending as unknown as { nextAttemptAt: string }).nextAttemptAt).toMatch(/^\d{4}-/);
  });

  it("does not follow a redirect", async () => {
    receiver.script("/moved", [302, 302, 302], `${receiver.url}/internal`);
    const hook = await created({ url: `${receiver.url}/moved` });
    await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token: await as("olga") });
    await receiver.waitFor("/moved", 1);
    const [d] = await eventually("the redirect recorded", async () => {
      const log = await deliveries(hook.webhook.id);
      return log[0]?.attempts ? log : undefined;
    });
    expect(d).toMatchObject({ responseCode: 302 });
    expect(d?.lastError).toMatch(/redirects are not followed/);
    expect(receiver.received.filter((r) => r.path === "/internal")).toHaveLength(0);
  });
});

describe("the queue", () => {
  it("survives a worker that died holding a delivery, and two workers never send one twice", async () => {
    for (const w of workers) await w.stop();
    const hook = await created({ url: `${receiver.url}/queue` });
    const token = await as("olga");
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const sent = await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token });
      ids.push(((await sent.json()) as { eventId: string }).eventId);
    }
    // A worker claims the first delivery and dies before sending it: its lease (short here) runs out.
    const [claimed] = (
      await claimDeliveries(api.database.db, testKeyRing, { holder: "dead", leaseMs: 500, limit: 50 })
    ).filter((c) => c.webhookId === hook.webhook.id);
    expect(claimed?.payload.id).toBe(ids[0]);
    // Two workers, as two API replicas would run, drain the same queue.
    const [a, b] = [worker(), worker()];
    a.start();
    b.start();
    const arrived = await receiver.waitFor("/queue", 12);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const got = receiver.received.filter((r) => r.path === "/queue").map((r) => JSON.parse(r.body).id as string);
    expect(got).toEqual(ids);
    expect(arrived.length).toBe(12);
    expect(a.stats.delivered + b.stats.delivered).toBeGreaterThanOrEqual(12);
    const rows = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = ${hook.webhook.id} AND state = 'delivered'
        AND attempts = 1`.execute(api.database.db);
    expect(rows.rows[0]?.n).toBe(12);
  });

  it("keeps a bounded delivery log: the newest finished deliveries per webhook, and every pending one", async () => {
    for (const w of workers) await w.stop();
    const hook = await created({ url: `${receiver.url}/pruned` });
    const token = await as("olga");
    for (let i = 0; i < 4; i++) {
      await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token });
    }
    const drain = worker();
    await eventually("the four test deliveries sent", async () => {
      await drain.runOnce();
      const log = await deliveries(hook.webhook.id);
      return log.every((d) => d.state === "delivered") ? log : undefined;
    });
    await api.call("POST", `/v1/tenants/${tenant}/webhooks/${hook.webhook.id}/test`, { token });
    await pruneDeliveries(api.database.db, { maxAgeMs: 86_400_000, keepPerWebhook: 2 });
    const log = await deliveries(hook.webhook.id);
    // The pending one stays; of the four delivered, the newest two do (the pending one counts among the newest).
    expect(log.map((d) => d.state)).toEqual(["pending", "delivered"]);
    await pruneDeliveries(api.database.db, { maxAgeMs: 0, keepPerWebhook: 100 });
    expect((await deliveries(hook.webhook.id)).map((d) => d.state)).toEqual(["pending"]);
  });
});

describe("loco webhook", () => {
  it("adds, lists, tests, shows the deliveries of and removes a webhook, plain and -o json", async () => {
    const loco = new Loco(new URL("../../cli/main.ts", import.meta.url).pathname);
    const home = mkdtempSync(join(tmpdir(), "loco-webhook-home-"));
    const minted = await api.call("POST", `/v1/tenants/${tenant}/tokens`, {
      token: await as("olga"),
      body: { name: "cli-webhooks", role: "admin" },
    });
    const { secret: token } = (await minted.json()) as { secret: string };
    const user = (args: string[], stdin?: string) =>
      loco.run(args, { home, env: { LOCO_TENANT: tenant }, timeoutMs: 60_000, ...(stdin ? { stdin } : {}) });
    const login = await user(["login", api.url, "--token-stdin"], token);
    expect(login.code, shown(login)).toBe(0);

    const added = await user([
      "webhook",
      "add",
      `${receiver.url}/cli`,
      "--event",
      "release.failed",
      "--description",
      "cli",
    ]);
    expect(added.code, shown(added)).toBe(0);
    const secret = added.stdout.trim();
    expect(secret).toMatch(/^whsec_/);
    expect(added.stderr).toMatch(/Added webhook [0-9A-Z]{26} → .*\/cli \(loco; release\.failed\)/);
    const listed = await user(["webhook", "ls", "-o", "json"]);
    expect(listed.code, shown(listed)).toBe(0);
    const hook = (
      JSON.parse(listed.stdout) as { items: { id: string; url: string; description: string }[] }
    ).items.find((w) => w.description === "cli");
    expect(hook?.url).toBe(`${receiver.url}/cli`);
    const plain = await user(["webhook", "ls"]);
    expect(plain.stdout).toContain(hook!.id);

    worker().start();
    const tested = await user(["webhook", "test", hook!.id]);
    expect(tested.code, shown(tested)).toBe(0);
    const [arrived] = await receiver.waitFor("/cli", 1);
    expect(
      verifyWebhook({
        secret,
        body: arrived!.body,
        timestamp: arrived!.headers["loco-webhook-timestamp"] as string,
        signature: arrived!.headers["loco-webhook-signature"] as string,
      }).ok,
    ).toBe(true);
    const log = await eventually("the delivery in the CLI's log", async () => {
      const result = await user(["webhook", "deliveries", hook!.id, "-o", "json"]);
      const items = (JSON.parse(result.stdout) as { items: Delivery[] }).items;
      return items[0]?.state === "delivered" ? items : undefined;
    });
    expect(log[0]).toMatchObject({ eventType: "webhook.test", attempts: 1, responseCode: 204 });
    const table = await user(["webhook", "deliveries", hook!.id]);
    expect(table.stdout).toMatch(/webhook\.test\s+delivered\s+1\s+204/);

    // The same writes as JSON documents, for scripts.
    const addedJson = await user(["webhook", "add", `${receiver.url}/json`, "--description", "json", "-o", "json"]);
    expect(addedJson.code, shown(addedJson)).toBe(0);
    const created = JSON.parse(addedJson.stdout) as { webhook: { id: string; url: string }; secret: string };
    expect(created.webhook).toMatchObject({ url: `${receiver.url}/json` });
    expect(created.secret).toMatch(/^whsec_/);
    const second = created.webhook;
    const testedJson = await user(["webhook", "test", second.id, "-o", "json"]);
    expect(testedJson.code, shown(testedJson)).toBe(0);
    expect(JSON.parse(testedJson.stdout)).toBeTypeOf("object");
    const removedJson = await user(["webhook", "rm", second.id, "-o", "json"]);
    expect(removedJson.code, shown(removedJson)).toBe(0);
    expect(JSON.parse(removedJson.stdout)).toMatchObject({ id: second.id });

    const refused = await user(["webhook", "add", "http://10.0.0.1/hook"]);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stderr).toMatch(/10\.0\.0\.1 is a private address/);
    const removed = await user(["webhook", "rm", hook!.id]);
    expect(removed.code, shown(removed)).toBe(0);
    // Removing it again is no error (DELETE is idempotent); an id the tenant never had is not found.
    const again = await user(["webhook", "rm", hook!.id]);
    expect(again.code, shown(again)).toBe(0);
    expect((await user(["webhook", "ls", "-o", "json"])).stdout).not.toContain(hook!.id);
    const unknown = await user(["webhook", "rm", "01JD6Z7Q5V8K2M4N6P8R0T2W4Y"]);
    expect(unknown.code, shown(unknown)).toBe(3);
  }, 120_000);
});
