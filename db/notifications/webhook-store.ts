// Webhooks of a tenant and their deliveries (migration 0014): the queue the API's delivery workers drain and the
// delivery log people read are the same rows. Every read and write that a person can cause names the tenant, so a
// webhook of another tenant is never found, changed or listed.
import { type Kysely, sql, type Transaction } from "kysely";
import { ulid } from "ulid";
import type { Database, DeliveryState, Row, WebhookFormat } from "../schema.ts";
import { type KeyRing, open, rewrap, type SealedSecret, seal } from "../secret-crypto.ts";
import { withStorageErrors } from "../with-storage-errors.ts";
import type { Notification } from "./notification-of.ts";

export interface WebhookRecord {
  id: string;
  tenant: string;
  url: string;
  format: WebhookFormat;
  events: string[];
  description: string;
  createdBy: string;
  createdAt: string;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  responseCode: number | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A delivery a worker claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  webhookId: string;
  url: string;
  format: WebhookFormat;
  secret: string;
  deliveryId: string;
  eventType: string;
  payload: Notification;
  /** Attempts made before this one. */
  attempts: number;
}

/**
 * Binds a sealed signing secret to its webhook: a ciphertext copied to another webhook or tenant does not decrypt.
 * Ids are ULIDs and tenant names have no NUL, so the parts cannot run into each other.
 */
export const webhookSecretAad = (tenant: string, id: string) => `webhook\0${tenant}\0${id}`;

/** A row's sealed secret (PGlite hands bytea back as Uint8Array, node-postgres as Buffer). */
const sealedOf = (row: { secret_ciphertext: Uint8Array; secret_wrapped_key: Uint8Array; secret_key_id: string }) => ({
  ciphertext: Buffer.from(
    row.secret_ciphertext.buffer,
    row.secret_ciphertext.byteOffset,
    row.secret_ciphertext.byteLength,
  ),
  wrappedKey: Buffer.from(
    row.secret_wrapped_key.buffer,
    row.secret_wrapped_key.byteOffset,
    row.secret_wrapped_key.byteLength,
  ),
  keyId: row.secret_key_id,
});

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

type WebhookRow = Pick<
  Row<"webhooks">,
  "id" | "tenant" | "url" | "format" | "events" | "description" | "created_by" | "created_at"
>;
const webhookOf = (r: WebhookRow): WebhookRecord => ({
  id: r.id,
  tenant: r.tenant,
  url: r.url,
  format: r.format,
  events: r.events,
  description: r.description,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
});
const WEBHOOK_COLUMNS = sql`id, tenant, url, format, events, description, created_by, created_at`;

/** Stores the webhook with its signing secret sealed under the ring's active key (never in plain text). */
export function createWebhook(
  db: Kysely<Database>,
  ring: KeyRing,
  webhook: Omit<WebhookRecord, "id" | "createdAt"> & { secret: string },
): Promise<WebhookRecord> {
  const id = ulid();
  const sealed = seal(ring, webhook.secret, webhookSecretAad(webhook.tenant, id));
  return withStorageErrors(async () => {
    const { rows } = await sql<WebhookRow>`
      INSERT INTO webhooks (id, tenant, url, format, events, description, secret_ciphertext, secret_wrapped_key,
                            secret_key_id, created_by)
      VALUES (${id}, ${webhook.tenant}, ${webhook.url}, ${webhook.format}, ${JSON.stringify(webhook.events)}::jsonb,
              ${webhook.description}, ${sealed.ciphertext}, ${sealed.wrappedKey}, ${sealed.keyId},
              ${webhook.createdBy})
      RETURNING ${WEBHOOK_COLUMNS}`.execute(db);
    return webhookOf(rows[0]!);
  });
}

/** Oldest first, after the id `after`. */
export function listWebhooks(
  db: Kysely<Database>,
  tenant: string,
  options: { after?: string | undefined; limit: number },
): Promise<WebhookRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<WebhookRow>`
      SELECT ${WEBHOOK_COLUMNS} FROM webhooks
      WHERE tenant = ${tenant} AND deleted_at IS NULL ${options.after ? sql`AND id > ${options.after}` : sql``}
      ORDER BY id LIMIT ${options.limit}`.execute(db);
    return rows.map(webhookOf);
  });
}

export function getWebhook(db: Kysely<Database>, tenant: string, id: string): Promise<WebhookRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<WebhookRow>`
      SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE tenant = ${tenant} AND id = ${id} AND deleted_at IS NULL`.execute(
      db,
    );
    return rows[0] ? webhookOf(rows[0]) : undefined;
  });
}

/**
 * Removes the webhook: nothing more is queued or sent to it, its deliveries and its secret are deleted. False when
 * the tenant never had such a webhook; removing one already removed is true again (DELETE is idempotent).
 */
export function deleteWebhook(db: Kysely<Database>, tenant: string, id: string): Promise<boolean> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        UPDATE webhooks SET deleted_at = coalesce(deleted_at, now()), secret_ciphertext = NULL,
                            secret_wrapped_key = NULL, secret_key_id = NULL, lease_until = NULL, lease_holder = NULL
        WHERE tenant = ${tenant} AND id = ${id} RETURNING id`.execute(tx);
      if (rows.length === 0) return false;
      await sql`DELETE FROM webhook_deliveries WHERE webhook_id = ${id}`.execute(tx);
      return true;
    }),
  );
}

/** A notification and the key of the fact it tells of (unique per webhook: enqueuing it twice adds nothing). */
export interface Enqueued {
  eventKey: string;
  notification: Notification;
}

/**
 * Queues each notification for every webhook of its tenant subscribed to its type. Called by the mirror inside the
 * transaction that records the timeline event, so an event and its deliveries are committed together or not at all.
 */
export async function enqueueNotifications(
  db: Kysely<Database> | Transaction<Database>,
  notifications: Enqueued[],
): Promise<number> {
  if (notifications.length === 0) return 0;
  // In the order things happened: delivery ids are the order a webhook's deliveries go out in.
  const ordered = [...notifications].sort((a, b) => a.notification.occurredAt.localeCompare(b.notification.occurredAt));
  const rows = ordered.map(
    (n, i) =>
      sql`(${i}::int, ${n.notification.tenant}, ${n.eventKey}, ${n.notification.type}, ${JSON.stringify(n.notification)}::jsonb)`,
  );
  const result = await sql`
    INSERT INTO webhook_deliveries (webhook_id, tenant, event_key, event_type, payload)
    SELECT w.id, w.tenant, n.event_key, n.event_type, n.payload
    FROM (VALUES ${sql.join(rows)}) AS n (ord, tenant, event_key, event_type, payload)
    JOIN webhooks w ON w.tenant = n.tenant AND w.deleted_at IS NULL AND w.events @> jsonb_build_array(n.event_type)
    ORDER BY n.ord, w.id
    ON CONFLICT (webhook_id, event_key) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Queues one delivery to one webhook (a test send); returns its id. */
export function enqueueDelivery(
  db: Kysely<Database>,
  webhook: Pick<WebhookRecord, "id" | "tenant">,
  notification: Notification,
): Promise<string> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ id: string }>`
      INSERT INTO webhook_deliveries (webhook_id, tenant, event_key, event_type, payload)
      VALUES (${webhook.id}, ${webhook.tenant}, ${`test:${notification.id}`}, ${notification.type},
              ${JSON.stringify(notification)}::jsonb)
      RETURNING id::text`.execute(db);
    return rows[0]!.id;
  });
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  payload: { id?: string };
  event_type: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  response_code: number | null;
  created_at: Date;
  finished_at: Date | null;
}

/** A webhook's delivery log, newest first, before the delivery id `before`. */
export function listDeliveries(
  db: Kysely<Database>,
  tenant: string,
  webhookId: string,
  options: { before?: string | undefined; limit: number },
): Promise<DeliveryRecord[]> {
  return withStorageErrors(async () => {
    // Ordered by the bigint column, not by the text the SELECT names `id` (which would put 10 before 9).
    const { rows } = await sql<DeliveryRow>`
      SELECT id::text, webhook_id, payload, event_type, state, attempts, next_attempt_at, last_error, response_code,
             created_at, finished_at
      FROM webhook_deliveries
      WHERE tenant = ${tenant} AND webhook_id = ${webhookId}
        ${options.before ? sql`AND webhook_deliveries.id < ${options.before}::bigint` : sql``}
      ORDER BY webhook_deliveries.id DESC LIMIT ${options.limit}`.execute(db);
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhook_id,
      eventId: r.payload.id ?? "",
      eventType: r.event_type,
      state: r.state,
      attempts: r.attempts,
      nextAttemptAt: r.state === "pending" ? iso(r.next_attempt_at) : null,
      lastError: r.last_error,
      responseCode: r.response_code,
      createdAt: iso(r.created_at)!,
      finishedAt: iso(r.finished_at),
    }));
  });
}

/**
 * Claims up to `limit` webhooks that have a delivery due, each with its oldest due delivery. A claim is a lease on
 * the webhook row, taken with FOR UPDATE SKIP LOCKED: two workers (in one API or in several replicas) never hold the
 * same webhook, so a delivery is never sent twice at once, and a webhook's deliveries go out one at a time, oldest
 * first. A worker that dies holding a lease loses it when it expires; its delivery is then sent again.
 */
export function claimDeliveries(
  db: Kysely<Database>,
  ring: KeyRing,
  options: {
    holder: string;
    leaseMs: number;
    limit: number;
    /**
     * A claimed webhook whose secret does not open (its key not loaded, or the row altered): it is not sent — never
     * unsigned — and keeps its lease, so it is tried again when the lease runs out; the other webhooks go on.
     */
    onSealError?: (webhookId: string, error: Error) => void;
  },
): Promise<ClaimedDelivery[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{
      webhook_id: string;
      tenant: string;
      url: string;
      format: WebhookFormat;
      secret_ciphertext: Uint8Array;
      secret_wrapped_key: Uint8Array;
      secret_key_id: string;
      delivery_id: string | null;
      event_type: string | null;
      payload: Notification | null;
      attempts: number | null;
    }>`
      WITH leased AS (
        UPDATE webhooks w SET lease_until = now() + ${options.leaseMs} * interval '1 millisecond',
                              lease_holder = ${options.holder}
        WHERE w.id IN (
            SELECT c.id FROM webhooks c
            WHERE c.deleted_at IS NULL AND (c.lease_until IS NULL OR c.lease_until < now())
              AND EXISTS (SELECT 1 FROM webhook_deliveries d
                          WHERE d.webhook_id = c.id AND d.state = 'pending' AND d.next_attempt_at <= now())
            LIMIT ${options.limit}
            FOR UPDATE SKIP LOCKED)
          AND w.deleted_at IS NULL AND (w.lease_until IS NULL OR w.lease_until < now())
        RETURNING w.id, w.tenant, w.url, w.format, w.secret_ciphertext, w.secret_wrapped_key, w.secret_key_id
      )
      SELECT l.id AS webhook_id, l.tenant, l.url, l.format, l.secret_ciphertext, l.secret_wrapped_key,
             l.secret_key_id, d.id::text AS delivery_id, d.event_type, d.payload,
             d.attempts
      FROM leased l LEFT JOIN LATERAL (
        SELECT id, event_type, payload, attempts FROM webhook_deliveries
        WHERE webhook_id = l.id AND state = 'pending' AND next_attempt_at <= now()
        ORDER BY id LIMIT 1) d ON true`.execute(db);
    const idle = rows.filter((r) => r.delivery_id === null).map((r) => r.webhook_id);
    // Another worker finished the delivery we saw due between our look and our lease: let the webhook go now.
    if (idle.length > 0) {
      await sql`
        UPDATE webhooks SET lease_until = NULL, lease_holder = NULL
        WHERE id = ANY(${sql.val(idle)}::text[]) AND lease_holder = ${options.holder}`.execute(db);
    }
    const claims: ClaimedDelivery[] = [];
    for (const r of rows) {
      if (r.delivery_id === null) continue;
      let secret: string;
      try {
        // Opened here, held in memory only while the delivery is signed.
        secret = open(ring, sealedOf(r), webhookSecretAad(r.tenant, r.webhook_id));
      } catch (error) {
        options.onSealError?.(r.webhook_id, error as Error);
        continue;
      }
      claims.push({
        webhookId: r.webhook_id,
        url: r.url,
        format: r.format,
        secret,
        deliveryId: r.delivery_id,
        eventType: r.event_type!,
        payload: r.payload!,
        attempts: r.attempts!,
      });
    }
    return claims;
  });
}

/**
 * Re-wraps the data key of every webhook secret not under the ring's active key (`loco-db rotate-keys`), in
 * batches of one transaction each, so that a crash leaves every row readable. Returns how many were re-wrapped.
 */
export async function rotateWebhookSecrets(db: Kysely<Database>, ring: KeyRing, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await withStorageErrors(() =>
      db.transaction().execute(async (tx) => {
        const { rows } = await sql<{
          id: string;
          tenant: string;
          secret_ciphertext: Uint8Array;
          secret_wrapped_key: Uint8Array;
          secret_key_id: string;
        }>`
          SELECT id, tenant, secret_ciphertext, secret_wrapped_key, secret_key_id FROM webhooks
          WHERE secret_key_id IS NOT NULL AND secret_key_id <> ${ring.activeId}
          ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(tx);
        for (const row of rows) {
          const sealed: SealedSecret = rewrap(ring, sealedOf(row), webhookSecretAad(row.tenant, row.id));
          await sql`
            UPDATE webhooks SET secret_wrapped_key = ${sealed.wrappedKey}, secret_key_id = ${sealed.keyId}
            WHERE id = ${row.id}`.execute(tx);
        }
        return rows.length;
      }),
    );
    total += done;
    if (done < batchSize) return total;
  }
}

/** Webhook secrets per key-encryption key id (what `rotate-keys` reports before old keys are retired). */
export function webhookKeyUsage(db: Kysely<Database>): Promise<Record<string, number>> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ key_id: string; n: string }>`
      SELECT secret_key_id AS key_id, count(*)::text AS n FROM webhooks WHERE secret_key_id IS NOT NULL
      GROUP BY secret_key_id`.execute(db);
    return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
  });
}

/** How one attempt ended: delivered, to be retried at `retryAt`, or given up. */
export interface AttemptOutcome {
  state: DeliveryState;
  retryAt?: Date;
  error: string | null;
  responseCode: number | null;
}

/** Records an attempt and lets the webhook go, in one transaction. */
export function recordAttempt(
  db: Kysely<Database>,
  claim: Pick<ClaimedDelivery, "webhookId" | "deliveryId">,
  holder: string,
  outcome: AttemptOutcome,
): Promise<void> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      await sql`
        UPDATE webhook_deliveries SET
          attempts = attempts + 1, state = ${outcome.state}, last_error = ${outcome.error},
          response_code = ${outcome.responseCode},
          next_attempt_at = ${(outcome.retryAt ?? new Date()).toISOString()}::timestamptz,
          finished_at = ${outcome.state === "pending" ? null : new Date().toISOString()}::timestamptz
        WHERE id = ${claim.deliveryId}::bigint AND state = 'pending'`.execute(tx);
      await sql`
        UPDATE webhooks SET lease_until = NULL, lease_holder = NULL
        WHERE id = ${claim.webhookId} AND lease_holder = ${holder}`.execute(tx);
    }),
  );
}

/**
 * Bounded retention of the delivery log: finished deliveries older than `maxAgeMs`, and beyond the newest
 * `keepPerWebhook` of each webhook, are deleted. Pending ones are never pruned. Removed webhooks older than
 * `maxAgeMs` go too.
 */
export function pruneDeliveries(
  db: Kysely<Database>,
  options: { maxAgeMs: number; keepPerWebhook: number },
): Promise<number> {
  return withStorageErrors(async () => {
    // Removed webhooks are kept as long as a finished delivery would be, then go.
    await sql`
      DELETE FROM webhooks WHERE deleted_at < now() - ${options.maxAgeMs} * interval '1 millisecond'`.execute(db);
    const result = await sql`
      DELETE FROM webhook_deliveries d WHERE d.state <> 'pending' AND (
        d.created_at < now() - ${options.maxAgeMs} * interval '1 millisecond'
        OR d.id IN (
          SELECT id FROM (
            SELECT id, state, row_number() OVER (PARTITION BY webhook_id ORDER BY id DESC) AS n
            FROM webhook_deliveries) ranked
          WHERE ranked.n > ${options.keepPerWebhook} AND ranked.state <> 'pending'))`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  });
}
