// 0001: the tables of DESIGN.md §4. Append-only: never edit a migration that has shipped; add a new one.
// One statement per query: PGlite's extended protocol, unlike pg's simple one, runs a single statement at a time.
import { type Kysely, sql } from "kysely";

const statements = [
  `
    CREATE TABLE tenants (
      name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' AND length(name) <= 40),
      display_name text NOT NULL DEFAULT '',
      created_at  timestamptz NOT NULL DEFAULT now(),
      deleted_at  timestamptz
    )
  `,
  `
    CREATE TABLE members (
      tenant      text NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
      subject     text NOT NULL,
      role        text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, subject)
    )
  `,
  `
    CREATE INDEX members_by_subject ON members (subject)
  `,
  `
    CREATE TABLE api_tokens (
      id          text PRIMARY KEY,
      tenant      text REFERENCES tenants (name) ON DELETE CASCADE,
      name        text NOT NULL,
      hash        bytea NOT NULL UNIQUE,
      role        text NOT NULL CHECK (role IN ('platform-admin', 'owner', 'admin', 'developer', 'viewer')),
      created_by  text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      expires_at  timestamptz,
      last_used_at timestamptz,
      revoked_at  timestamptz
    )
  `,
  `
    CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant, created_at DESC)
  `,
  `
    CREATE TABLE resources (
      uid              uuid PRIMARY KEY,
      kind             text NOT NULL,
      namespace        text NOT NULL DEFAULT '',
      name             text NOT NULL,
      tenant           text,
      generation       bigint NOT NULL DEFAULT 0,
      resource_version text NOT NULL,
      labels           jsonb NOT NULL DEFAULT '{}',
      annotations      jsonb NOT NULL DEFAULT '{}',
      spec             jsonb,
      status           jsonb,
      created_at       timestamptz NOT NULL,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      deleted_at       timestamptz
    )
  `,
  `
    -- One live object per kind/namespace/name; deleted rows keep their history.
    CREATE UNIQUE INDEX resources_live_by_name ON resources (kind, namespace, name) WHERE deleted_at IS NULL
  `,
  `
    CREATE INDEX resources_by_tenant ON resources (tenant, kind, name) WHERE deleted_at IS NULL
  `,
  `
    CREATE TABLE deployments (
      id          text PRIMARY KEY,
      tenant      text,
      namespace   text NOT NULL,
      app         text NOT NULL,
      app_uid     uuid NOT NULL,
      image       text NOT NULL,
      spec_hash   text NOT NULL,
      requested_by text,
      created_at  timestamptz NOT NULL,
      outcome     text CHECK (outcome IN ('Progressing', 'Available', 'Failed', 'Superseded')),
      finished_at timestamptz
    )
  `,
  `
    CREATE INDEX deployments_by_app ON deployments (namespace, app, created_at DESC)
  `,
  `
    CREATE TABLE events (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant      text,
      namespace   text NOT NULL DEFAULT '',
      kind        text NOT NULL,
      name        text NOT NULL,
      type        text NOT NULL,
      reason      text NOT NULL,
      message     text NOT NULL DEFAULT '',
      actor       text,
      occurred_at timestamptz NOT NULL,
      -- Replaying the same source event (a Kubernetes Event uid, a deployment id) adds nothing.
      source_key  text UNIQUE
    )
  `,
  `
    CREATE INDEX events_timeline ON events (namespace, kind, name, occurred_at DESC)
  `,
  `
    CREATE INDEX events_by_tenant ON events (tenant, occurred_at DESC)
  `,
  `
    CREATE TABLE secret_versions (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant      text NOT NULL,
      namespace   text NOT NULL,
      app         text NOT NULL,
      key         text NOT NULL,
      version     integer NOT NULL,
      ciphertext  bytea NOT NULL,
      wrapped_key bytea NOT NULL,
      key_id      text NOT NULL,
      created_by  text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      deleted_at  timestamptz,
      UNIQUE (namespace, app, key, version)
    )
  `,
  `
    CREATE INDEX secret_versions_by_key_id ON secret_versions (key_id)
  `,
  `
    CREATE TABLE audit_log (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tenant      text,
      actor       text NOT NULL,
      action      text NOT NULL,
      target      text NOT NULL,
      outcome     text NOT NULL,
      request_id  text,
      details     jsonb NOT NULL DEFAULT '{}',
      occurred_at timestamptz NOT NULL DEFAULT now()
    )
  `,
  `
    CREATE INDEX audit_log_by_tenant ON audit_log (tenant, occurred_at DESC)
  `,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
