// Releases of an App (table `releases`): numbered per App (namespace, app) from 1 without gaps, the number taken
// under a transaction-scoped advisory lock of that App so that two writers never share one. Each release also puts
// one entry on the App's timeline (table `events`, keyed so that it is written once). Rows hold names and version
// ids of secrets, never values.
import { type Kysely, sql, type Transaction } from "kysely";
import { releaseChanges } from "../release-changes.ts";
import type { ReleaseSource } from "../release-source.ts";
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
  /** The same as `actor`, as data (db/release-source.ts). */
  source: ReleaseSource;
  changes: ReleaseChanges;
  spec: unknown;
  secrets: Record<string, string | null>;
  deploymentId: string | null;
  rollbackOf?: number | undefined;
  /** The Git commit the change came from, when the App names one (annotation loco.dev/git-revision). */
  gitRevision?: string | null | undefined;
}

export interface ReleaseView {
  number: number;
  app: string;
  namespace: string;
  kind: ReleaseKind;
  actor: string;
  source: ReleaseSource;
  createdAt: string;
  changes: ReleaseChanges;
  /** Secret key → version id of its value (null: a value without a known id). */
  secrets: Record<string, string | null>;
  deploymentId: string | null;
  rollbackOf: number | null;
  /** The Git commit it came from: set for changes synced from Git, else null. */
  gitRevision: string | null;
}

type ReleaseRow = Row<"releases">;

const toView = (row: ReleaseRow): ReleaseView => ({
  number: Number(row.number),
  app: row.app,
  namespace: row.namespace,
  kind: row.kind,
  actor: row.actor,
  source: row.source,
  createdAt: new Date(row.created_at).toISOString(),
  changes: row.changes ?? {},
  secrets: row.secrets ?? {},
  deploymentId: row.deployment_id,
  rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
  gitRevision: row.git_revision ?? null,
});

/** One line for the timeline: what the release changed, by name. */
export function releaseSummary(
  kind: ReleaseKind,
  changes: ReleaseChanges,
  rollbackOf?: number,
  gitRevision?: string | null,
): string {
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
  const what = parts.length > 0 ? `${kind}: ${parts.join("; ")}` : kind;
  // The whole SHA: it is what `git show` and the GitOps tool's history take.
  return gitRevision ? `${what} (Git commit ${gitRevision})` : what;
}

/** Records a release with the next number of its App, and its timeline entry; returns the number. */
export function recordRelease(db: Kysely<Database>, release: NewRelease): Promise<number> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      await lockApp(tx, release);
      return insertRelease(tx, release);
    }),
  );
}

/**
 * Records a release made outside the API (the mirror calls it for a change applied by Argo CD or kubectl), unless
 * the App's newest release already holds this very spec: the mirror replays objects, and a change the API made is
 * recorded by the API. `changes` is computed here from that newest release (under the App's lock, so two replays
 * cannot both see "changed"); its secret versions carry over, as such a change does not touch the App's Secret.
 * Returns the new number, or undefined when nothing was recorded.
 */
export function recordReleaseIfChanged(
  db: Kysely<Database>,
  release: Omit<NewRelease, "changes" | "secrets">,
): Promise<number | undefined> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      await lockApp(tx, release);
      const { rows } = await sql<{
        spec: Record<string, unknown>;
        secrets: Record<string, string | null>;
        same: boolean;
      }>`
        SELECT spec, secrets, spec = ${JSON.stringify(release.spec)}::jsonb AS same FROM releases
        WHERE namespace = ${release.namespace} AND app = ${release.app}
        ORDER BY number DESC LIMIT 1`.execute(tx);
      const previous = rows[0];
      if (previous?.same) return undefined;
      const secrets = previous?.secrets ?? {};
      const changes = releaseChanges(previous ? { spec: previous.spec, secrets } : undefined, {
        spec: release.spec,
        secrets,
      });
      return insertRelease(tx, { ...release, changes, secrets });
    }),
  );
}

/** Serialises the numbering of one App's releases until the transaction ends. */
async function lockApp(tx: Transaction<Database>, key: AppKey): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`release/${key.namespace}/${key.app}`}))`.execute(tx);
}

async function insertRelease(tx: Transaction<Database>, release: NewRelease): Promise<number> {
  const { rows } = await sql<{ number: number }>`
    INSERT INTO releases (tenant, namespace, app, number, kind, actor, changes, spec, secrets, deployment_id, rollback_of,
                          git_revision, source)
    SELECT ${release.tenant}, ${release.namespace}, ${release.app}, coalesce(max(number), 0) + 1, ${release.kind},
           ${release.actor}, ${JSON.stringify(release.changes)}::jsonb, ${JSON.stringify(release.spec)}::jsonb,
           ${JSON.stringify(release.secrets)}::jsonb, ${release.deploymentId}, ${release.rollbackOf ?? null},
           ${release.gitRevision ?? null}, ${JSON.stringify(release.source)}::jsonb
    FROM releases WHERE namespace = ${release.namespace} AND app = ${release.app}
    RETURNING number`.execute(tx);
  const number = Number(rows[0]?.number);
  const summary = releaseSummary(release.kind, release.changes, release.rollbackOf, release.gitRevision);
  await sql`
    INSERT INTO events (tenant, namespace, kind, name, type, reason, message, actor, occurred_at, source_key)
    VALUES (${release.tenant}, ${release.namespace}, 'App', ${release.app}, 'Normal', 'Released',
            ${`Release ${number} — ${summary}`}, ${release.actor}, now(),
            ${`release/${release.namespace}/${release.app}/${number}`})
    ON CONFLICT (source_key) DO NOTHING`.execute(tx);
  return number;
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

/**
 * A tenant's newest releases across its Apps and profiles, newest first (ties in the same instant by App and number,
 * so that the order is stable).
 */
export function listTenantReleases(
  db: Kysely<Database>,
  key: { tenant: string; limit: number },
): Promise<ReleaseView[]> {
  return withStorageErrors(async () => {
    const rows = await db
      .selectFrom("releases")
      .selectAll()
      .where("tenant", "=", key.tenant)
      .orderBy("created_at", "desc")
      .orderBy("namespace")
      .orderBy("app")
      .orderBy("number", "desc")
      .limit(key.limit)
      .execute();
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
