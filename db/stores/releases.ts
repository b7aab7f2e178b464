// Releases of an App (table `releases`): numbered per App (namespace, app) from 1 without gaps, the number taken
// under a transaction-scoped advisory lock of that App so that two writers never share one. Each release also puts
// one entry on the App's timeline (table `events`, keyed so that it is written once). Rows hold names and version
// ids of secrets, never values.
import { type Kysely, sql } from "kysely";
import type { Database, ReleaseChanges, ReleaseKind, Row } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";

export interface AppKey {
  tenant: string;
  namespace: string;
  app: string;
}

export interface NewRelease extends AppKey {
  kind: ReleaseKind;
  actor: string;
  changes: ReleaseChanges;
  spec: unknown;
  secrets: Record<string, string | null>;
  deploymentId: string | null;
  rollbackOf?: number | undefined;
}

export interface ReleaseView {
  number: number;
  app: string;
  namespace: string;
  kind: ReleaseKind;
  actor: string;
  createdAt: string;
  changes: ReleaseChanges;
  /** Secret key → version id of its value (null: a value without a known id). */
  secrets: Record<string, string | null>;
  deploymentId: string | null;
  rollbackOf: number | null;
}

type ReleaseRow = Row<"releases">;

const toView = (row: ReleaseRow): ReleaseView => ({
  number: Number(row.number),
  app: row.app,
  namespace: row.namespace,
  kind: row.kind,
  actor: row.actor,
  createdAt: new Date(row.created_at).toISOString(),
  changes: row.changes ?? {},
  secrets: row.secrets ?? {},
  deploymentId: row.deployment_id,
  rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
});

/** One line for the timeline: what the release changed, by name. */
export function releaseSummary(kind: ReleaseKind, changes: ReleaseChanges, rollbackOf?: number): string {
  const parts: string[] = [];
  if (rollbackOf !== undefined) parts.push(`rollback to release ${rollbackOf}`);
  if (changes.image) parts.push(`image ${changes.image.after}`);
  for (const [what, list] of [
    ["env", changes.env],
    ["secrets", changes.secrets],
  ] as const) {
    if (!list) continue;
    const names = [
      ...list.added.map((n) => `+${n}`),
      ...list.changed.map((n) => `~${n}`),
      ...list.removed.map((n) => `-${n}`),
    ];
    if (names.length > 0) parts.push(`${what} ${names.join(" ")}`);
  }
  if (changes.replicas) parts.push(`replicas ${changes.replicas.before ?? "-"} → ${changes.replicas.after ?? "-"}`);
  if (changes.fields && changes.fields.length > 0) parts.push(changes.fields.join(", "));
  return parts.length > 0 ? `${kind}: ${parts.join("; ")}` : kind;
}

/** Records a release with the next number of its App, and its timeline entry; returns the number. */
export function recordRelease(db: Kysely<Database>, release: NewRelease): Promise<number> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`release/${release.namespace}/${release.app}`}))`.execute(tx);
      const { rows } = await sql<{ number: number }>`
        INSERT INTO releases (tenant, namespace, app, number, kind, actor, changes, spec, secrets, deployment_id, rollback_of)
        SELECT ${release.tenant}, ${release.namespace}, ${release.app}, coalesce(max(number), 0) + 1, ${release.kind},
               ${release.actor}, ${JSON.stringify(release.changes)}::jsonb, ${JSON.stringify(release.spec)}::jsonb,
               ${JSON.stringify(release.secrets)}::jsonb, ${release.deploymentId}, ${release.rollbackOf ?? null}
        FROM releases WHERE namespace = ${release.namespace} AND app = ${release.app}
        RETURNING number`.execute(tx);
      const number = Number(rows[0]?.number);
      const message = `Release ${number} — ${releaseSummary(release.kind, release.changes, release.rollbackOf)}`;
      await sql`
        INSERT INTO events (tenant, namespace, kind, name, type, reason, message, actor, occurred_at, source_key)
        VALUES (${release.tenant}, ${release.namespace}, 'App', ${release.app}, 'Normal', 'Released', ${message},
                ${release.actor}, now(), ${`release/${release.namespace}/${release.app}/${number}`})
        ON CONFLICT (source_key) DO NOTHING`.execute(tx);
      return number;
    }),
  );
}

/** An App's releases, newest first, below the cursor (a release number). */
export function listReleases(
  db: Kysely<Database>,
  key: AppKey & { before?: number | undefined; limit: number },
): Promise<ReleaseView[]> {
  return withStorageErrors(async () => {
    let query = db
      .selectFrom("releases")
      .selectAll()
      .where("tenant", "=", key.tenant)
      .where("namespace", "=", key.namespace)
      .where("app", "=", key.app);
    if (key.before !== undefined) query = query.where("number", "<", key.before);
    const rows = await query.orderBy("number", "desc").limit(key.limit).execute();
    return rows.map(toView);
  });
}

/** One release with the whole spec it resulted in. */
export function getRelease(
  db: Kysely<Database>,
  key: AppKey & { number: number },
): Promise<(ReleaseView & { spec: Record<string, unknown> }) | undefined> {
  return withStorageErrors(async () => {
    const row = await db
      .selectFrom("releases")
      .selectAll()
      .where("tenant", "=", key.tenant)
      .where("namespace", "=", key.namespace)
      .where("app", "=", key.app)
      .where("number", "=", key.number)
      .executeTakeFirst();
    return row ? { ...toView(row), spec: row.spec } : undefined;
  });
}

/** The App's newest release with its spec, if it has one. */
export async function latestRelease(
  db: Kysely<Database>,
  key: AppKey,
): Promise<(ReleaseView & { spec: Record<string, unknown> }) | undefined> {
  const [newest] = await listReleases(db, { ...key, limit: 1 });
  return newest ? getRelease(db, { ...key, number: newest.number }) : undefined;
}
