// 0014: per-tenant webhooks and their delivery queue (docs/adr/0011-notifications.md).
//
// `webhooks` holds where to send and the signing secret (the API must sign with it, so it is kept; it is shown to
// people once, at creation). The secret is sealed like secret values (db/secret-crypto.ts: ciphertext, data key
// wrapped by the key-encryption key `secret_key_id`), never stored in plain text. `webhook_deliveries` is the queue and the delivery log at once: the mirror inserts a
// pending row per subscribed webhook in the transaction that records the timeline event, and API replicas claim
// rows from it (a lease on the webhook row, taken with FOR UPDATE SKIP LOCKED), so a restart loses nothing and two
// replicas never send the same row at once. `event_key` is the timeline event's source key: replaying the event
// enqueues nothing twice. A removed webhook keeps its row a while (`deleted_at`, its sealed secret set to NULL) so that removing it
// again is answered like the first time (DELETE is idempotent); its deliveries go at once.
import { type Kysely, sql } from "kysely";

const statements = [
  `
    CREATE TABLE webhooks (
      id text PRIMARY KEY,
      tenant text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
      url text NOT NULL,
      format text NOT NULL CHECK (format IN ('loco', 'slack')),
      events jsonb NOT NULL,
      description text NOT NULL DEFAULT '',
      secret_ciphertext bytea,
      secret_wrapped_key bytea,
      secret_key_id text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      lease_holder text,
      deleted_at timestamptz
    )
  `,
  `CREATE INDEX webhooks_by_tenant ON webhooks (tenant, id)`,
  `
    CREATE TABLE webhook_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      tenant text NOT NULL,
      event_key text NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      response_code integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      UNIQUE (webhook_id, event_key)
    )
  `,
  // What the workers look for: due pending rows.
  `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`,
  // The delivery log of one webhook, newest first, and its retention.
  `CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
