// 0007: releases, and secret values named by version id.
// - releases: one row per change of what an App runs (deploy, env, secrets, scale, rollback), numbered per App
//   (namespace, app) without gaps from 1. It holds who, when, the kind of change, what changed (names only: env
//   variable names, secret names and version ids, never a value), the whole spec that resulted, the version id of
//   each secret key then, and the deployment id.
// - secret_versions.version_id: the id the API gave a value when it wrote it (annotation loco.dev/secret-versions on
//   the App's Secret), which a release names and a rollback asks the operator to restore. Null for values stored
//   before this migration and for values written outside loco without an id.
import { type Kysely, sql } from "kysely";

const statements = [
  `
    CREATE TABLE releases (
      tenant        text NOT NULL,
      namespace     text NOT NULL,
      app           text NOT NULL,
      number        integer NOT NULL,
      kind          text NOT NULL CHECK (kind IN ('deploy', 'apply', 'env', 'secrets', 'scale', 'rollback')),
      actor         text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      changes       jsonb NOT NULL DEFAULT '{}',
      spec          jsonb NOT NULL,
      secrets       jsonb NOT NULL DEFAULT '{}',
      deployment_id text,
      rollback_of   integer,
      PRIMARY KEY (namespace, app, number)
    )
  `,
  `CREATE INDEX releases_by_tenant ON releases (tenant, namespace, app)`,
  `ALTER TABLE secret_versions ADD COLUMN version_id text`,
  `CREATE INDEX secret_versions_by_version_id ON secret_versions (namespace, app, key, version_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
