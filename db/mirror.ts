// The state mirror: every loco resource (spec, status, generation, resourceVersion), tenant namespace and tenant
// parent object (quotas, RBAC) copied into `resources` keyed by uid; loco-managed Secrets into `secret_versions`
// (encrypted); condition transitions, Run task transitions, deployments and Kubernetes Events about loco objects
// into the timeline; changes of Apps applied outside the API (Argo CD, kubectl) into releases, as the API records its
// own. All from the operator's watch caches. Timeline events that are notifications (db/notifications/) queue their
// webhook deliveries in the same transaction.
//
// Writes are batched and idempotent (replaying an object changes nothing); deletions set `deleted_at`. While
// Postgres is unreachable, changes accumulate as a set of dirty uids (bounded by the number of objects, not of
// events) and are written when it returns, after which a full pass over the caches repairs anything missed.
//
// A lost cluster is not a deletion: when etcd is wiped, or the operator is pointed at a new cluster, the informers
// see every object vanish. Each row records the cluster it came from (the uid of its kube-system namespace), and a
// deletion is written only for rows of the cluster the apiserver says we are talking to *now*, so an empty
// replacement cluster leaves the old state live in the database for the resurrector.
import { type Kysely, sql, type Transaction } from "kysely";
import { ANNOTATION_SECRET_VERSIONS, parseSecretVersions } from "../crds/secret-versions.ts";
import type { Logger } from "../kube/logger.ts";
import { controllerOf, type KubeObject } from "../kube/types.ts";
import { externalChange } from "./external-change.ts";
import { notificationOf } from "./notifications/notification-of.ts";
import { enqueueNotifications } from "./notifications/webhook-store.ts";
import type { Database, Row } from "./schema.ts";
import type { SecretStore } from "./secret-store.ts";
import { toStorageError } from "./storage-error.ts";
import { recordReleaseIfChanged } from "./stores/releases.ts";
import { type DeploymentRecord, deletionEvent, kubernetesEvent, type TimelineEvent, timelineOf } from "./timeline.ts";

/** What the mirror reads: an informer satisfies it. */
export interface MirrorSource {
  readonly resource: { kind: string };
  list(): KubeObject[];
  addHandlers(handlers: {
    onUpsert?(object: KubeObject, previous: KubeObject | undefined): void;
    onDelete?(object: KubeObject): void;
  }): void;
}

/** A source, optionally narrowed: only objects `include` accepts are mirrored (e.g. namespaces of tenants). */
export type MirrorInput = MirrorSource | { source: MirrorSource; include(object: KubeObject): boolean };

export interface MirrorOptions {
  db: Kysely<Database>;
  log: Logger;
  /** Objects mirrored into `resources`. */
  sources: MirrorInput[];
  /** loco-managed Secrets: their values go to `secret_versions`, encrypted, never to `resources`. */
  secrets?: { source: MirrorInput; store: SecretStore; appOf(secret: KubeObject): string | undefined };
  /** Kubernetes Events about loco objects: each becomes a timeline event. */
  events?: MirrorSource;
  /** Tenant owning a namespace (from its label); undefined when it belongs to none. */
  tenantOf?: (namespace: string) => string | undefined;
  /**
   * Identity of the cluster: `cached` stamps rows (from a watch cache), `live` asks the apiserver before any
   * deletion is written. Without it (unit tests), every row belongs to the same, unnamed cluster.
   */
  cluster?: { cached(): string | undefined; live(): Promise<string> };
  batchSize?: number;
  /** Observes change → row-committed latency, in seconds. */
  onLag?: (seconds: number) => void;
}

type Pending = { object: KubeObject; deleted: boolean; since: number };

const SECRET = "Secret";
const TENANT_LABEL = "loco.dev/tenant";
const EVENT = "Event";

function normalise(input: MirrorInput): { source: MirrorSource; include(object: KubeObject): boolean } {
  return "source" in input ? input : { source: input, include: () => true };
}

export class Mirror {
  private readonly pending = new Map<string, Pending>();
  private readonly options: MirrorOptions;
  private readonly sources: { source: MirrorSource; include(object: KubeObject): boolean }[];
  private readonly secretSource: { source: MirrorSource; include(object: KubeObject): boolean } | undefined;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private needsFullPass = true;
  private stopped = false;
  /** For tests and metrics. */
  readonly stats = {
    rowsWritten: 0,
    flushes: 0,
    failures: 0,
    fullPasses: 0,
    secretChanges: 0,
    timelineEvents: 0,
    deletionsRefused: 0,
    releasesRecorded: 0,
    notificationsQueued: 0,
  };
  /** App uid → the generation whose outside change was last recorded (or found recorded): replays skip the query. */
  private readonly released = new Map<string, number>();

  constructor(options: MirrorOptions) {
    this.options = options;
    this.sources = options.sources.map(normalise);
    this.secretSource = options.secrets ? normalise(options.secrets.source) : undefined;
    const watched = [...this.sources, ...(this.secretSource ? [this.secretSource] : [])];
    for (const { source, include } of watched) {
      source.addHandlers({
        onUpsert: (object, previous) => {
          if (include(object)) this.mark(object, false);
          // Leaving the mirrored set (a namespace losing its tenant label) reads as a deletion.
          else if (previous && include(previous)) this.mark(object, true);
        },
        onDelete: (object) => {
          if (include(object)) this.mark(object, true);
        },
      });
    }
    options.events?.addHandlers({ onUpsert: (object) => this.mark(object, false) });
  }

  get backlog(): number {
    return this.pending.size;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.flushing;
  }

  /** Resolves once everything marked so far is in the database. */
  async drained(): Promise<void> {
    while (this.pending.size > 0 || this.needsFullPass || this.flushing) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private mark(object: KubeObject, deleted: boolean): void {
    const uid = object.metadata.uid;
    if (!uid) return;
    const previous = this.pending.get(uid);
    this.pending.set(uid, { object, deleted, since: previous?.since ?? performance.now() });
    if (this.failures === 0) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.size > 0 && this.failures === 0) this.schedule(0);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    try {
      if (this.needsFullPass) await this.fullPass();
      while (this.pending.size > 0) {
        const batch = [...this.pending.entries()].slice(0, this.options.batchSize ?? 200);
        await this.write(batch.map(([, p]) => p));
        const now = performance.now();
        for (const [uid, entry] of batch) {
          // Only forget what we wrote: a newer change that arrived meanwhile stays pending.
          if (this.pending.get(uid) === entry) this.pending.delete(uid);
          this.options.onLag?.((now - entry.since) / 1000);
        }
      }
      if (this.failures > 0)
        this.options.log.info({ backlog: this.pending.size }, "Reconnected to the database; the mirror caught up");
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.stats.failures++;
      // After an outage, compare everything once more: deletions seen only as absence are caught this way.
      this.needsFullPass = true;
      const delay = Math.min(250 * 2 ** (this.failures - 1), 10_000);
      this.options.log.warn(
        { err: toStorageError(error).message, backlog: this.pending.size, retryInMs: delay },
        "Failed to write the mirror, retrying",
      );
      this.schedule(delay);
    }
  }

  /** Upserts every cached object and marks rows of this cluster whose object is gone as deleted. */
  private async fullPass(): Promise<void> {
    const cluster = this.options.cluster ? await this.options.cluster.live() : null;
    const objects = this.sources.flatMap(({ source, include }) => source.list().filter(include));
    const kinds = [...new Set(this.sources.map(({ source }) => source.resource.kind))];
    const live = objects.map((o) => o.metadata.uid ?? "");
    // Deletions first: an object deleted and re-created under the same name during an outage has a new uid,
    // and the old row must stop being the live one before the new row can take its name.
    if (kinds.length > 0) {
      await sql`
        UPDATE resources SET deleted_at = now(), updated_at = now()
        WHERE deleted_at IS NULL AND kind IN (${sql.join(kinds)})
          AND cluster_uid IS NOT DISTINCT FROM ${cluster}
          AND NOT (uid = ANY(${sql.val(live)}::uuid[]))`.execute(this.options.db);
    }
    const everything = [
      ...objects,
      ...(this.secretSource?.source.list().filter(this.secretSource.include) ?? []),
      ...(this.options.events?.list() ?? []),
    ];
    for (let i = 0; i < everything.length; i += 500) {
      await this.write(
        everything.slice(i, i + 500).map((object) => ({ object, deleted: false, since: performance.now() })),
        cluster,
      );
    }
    this.needsFullPass = false;
    this.stats.fullPasses++;
  }

  private async write(entries: Pending[], knownCluster?: string | null): Promise<void> {
    if (entries.length === 0) return;
    this.stats.flushes++;
    // Ask the apiserver which cluster this is only when something is to be deleted (rare), not per change.
    const deleting = entries.some((e) => e.deleted);
    const liveCluster =
      knownCluster !== undefined
        ? knownCluster
        : deleting && this.options.cluster
          ? await this.options.cluster.live()
          : undefined;
    const stamp = liveCluster ?? this.options.cluster?.cached() ?? null;
    const resources = entries.filter((e) => e.object.kind !== SECRET && e.object.kind !== EVENT);
    const secrets = entries.filter((e) => e.object.kind === SECRET);
    const events = entries.filter((e) => e.object.kind === EVENT);
    await this.options.db.transaction().execute(async (tx) => {
      await this.writeResources(tx, resources, stamp, liveCluster ?? null);
      await this.writeTimeline(
        tx,
        events.map((e) => kubernetesEvent(e.object)),
        [],
      );
    });
    for (const entry of secrets) await this.writeSecret(entry, liveCluster ?? null);
    for (const entry of resources) {
      if (entry.deleted) this.released.delete(entry.object.metadata.uid ?? "");
      else await this.recordOutsideChange(entry.object);
    }
  }

  /**
   * A change of an App applied outside the API (Argo CD, kubectl) becomes a release, as the API's own writes do
   * (db/external-change.ts says which; the store skips a spec the App's newest release already holds).
   */
  private async recordOutsideChange(object: KubeObject): Promise<void> {
    const change = externalChange(object);
    const uid = object.metadata.uid ?? "";
    const generation = object.metadata.generation ?? 0;
    const namespace = object.metadata.namespace ?? "";
    const tenant = this.tenantFor(object);
    if (!change || !tenant || this.released.get(uid) === generation) return;
    const number = await recordReleaseIfChanged(this.options.db, {
      tenant,
      namespace,
      app: object.metadata.name ?? "",
      kind: "apply",
      actor: change.actor,
      source: change.source,
      spec: change.spec,
      deploymentId: change.deploymentId,
      gitRevision: change.gitRevision,
    });
    this.released.set(uid, generation);
    if (number !== undefined) {
      this.stats.releasesRecorded++;
      this.options.log.info(
        { namespace, app: object.metadata.name, release: number, actor: change.actor, gitRevision: change.gitRevision },
        "Recorded a release of an App changed outside the API",
      );
    }
  }

  private async writeResources(
    tx: Transaction<Database>,
    entries: Pending[],
    stamp: string | null,
    cluster: string | null,
  ): Promise<void> {
    const upserts = entries.filter((e) => !e.deleted);
    const deletions = entries.filter((e) => e.deleted);
    if (upserts.length > 0) {
      // A live row under the same name with another uid is an object that was deleted (or lost with its cluster)
      // and re-created: it is no longer the live one.
      const names = upserts.map(
        ({ object: o }) =>
          sql`(${o.kind}, ${o.metadata.namespace ?? ""}, ${o.metadata.name ?? ""}, ${o.metadata.uid}::uuid)`,
      );
      await sql`
        UPDATE resources AS r SET deleted_at = now(), updated_at = now()
        FROM (VALUES ${sql.join(names)}) AS n (kind, namespace, name, uid)
        WHERE r.deleted_at IS NULL AND r.kind = n.kind AND r.namespace = n.namespace AND r.name = n.name
          AND r.uid <> n.uid`.execute(tx);
      const rows = upserts.map(({ object }) => {
        const m = object.metadata;
        return sql`(${m.uid}::uuid, ${object.apiVersion ?? ""}, ${object.kind}, ${m.namespace ?? ""}, ${m.name ?? ""},
          ${this.tenantFor(object)}, ${m.generation ?? 0}, ${m.resourceVersion ?? ""},
          ${JSON.stringify(m.labels ?? {})}::jsonb, ${JSON.stringify(m.annotations ?? {})}::jsonb,
          ${contentOf(object) === undefined ? null : JSON.stringify(contentOf(object))}::jsonb,
          ${object.status === undefined ? null : JSON.stringify(object.status)}::jsonb,
          ${m.creationTimestamp ?? new Date().toISOString()}::timestamptz, ${stamp})`;
      });
      // A row changes only when the object did: replays write nothing.
      const result = await sql`
        INSERT INTO resources AS r (uid, api_version, kind, namespace, name, tenant, generation, resource_version,
                                    labels, annotations, spec, status, created_at, cluster_uid)
        VALUES ${sql.join(rows)}
        ON CONFLICT (uid) DO UPDATE SET
          api_version = excluded.api_version, generation = excluded.generation,
          resource_version = excluded.resource_version, labels = excluded.labels, annotations = excluded.annotations,
          spec = excluded.spec, status = excluded.status, tenant = excluded.tenant,
          cluster_uid = coalesce(excluded.cluster_uid, r.cluster_uid), updated_at = now()
        WHERE r.resource_version IS DISTINCT FROM excluded.resource_version AND r.deleted_at IS NULL`.execute(tx);
      this.stats.rowsWritten += Number(result.numAffectedRows ?? 0);
      const timeline = upserts.map(({ object }) => timelineOf(object));
      await this.writeTimeline(
        tx,
        timeline.flatMap((t) => t.events),
        timeline.flatMap((t) => (t.deployment ? [t.deployment] : [])),
      );
    }
    if (deletions.length > 0) {
      const uids = deletions.map((e) => e.object.metadata.uid ?? "");
      const result = await sql<Pick<Row<"resources">, "uid">>`
        UPDATE resources SET deleted_at = now(), updated_at = now()
        WHERE uid = ANY(${sql.val(uids)}::uuid[]) AND deleted_at IS NULL
          AND cluster_uid IS NOT DISTINCT FROM ${cluster}
        RETURNING uid`.execute(tx);
      const deleted = new Set(result.rows.map((r) => r.uid));
      // Rows of another cluster were lost with it, not deleted; they stay live for the resurrector.
      const refused = await sql<Pick<Row<"resources">, "uid">>`
        SELECT uid FROM resources WHERE uid = ANY(${sql.val(uids)}::uuid[]) AND deleted_at IS NULL`.execute(tx);
      if (refused.rows.length > 0) {
        this.stats.deletionsRefused += refused.rows.length;
        this.options.log.warn(
          { objects: refused.rows.length, cluster },
          "Objects vanished from a different cluster than the one they were mirrored from; keeping them for the resurrector",
        );
      }
      this.stats.rowsWritten += deleted.size;
      const at = new Date().toISOString();
      await this.writeTimeline(
        tx,
        deletions.filter((e) => deleted.has(e.object.metadata.uid ?? "")).map((e) => deletionEvent(e.object, at)),
        [],
      );
    }
  }

  private async writeTimeline(
    tx: Transaction<Database>,
    events: TimelineEvent[],
    deployments: DeploymentRecord[],
  ): Promise<void> {
    const tenantOfNamespace = (namespace: string) => (namespace ? (this.options.tenantOf?.(namespace) ?? null) : null);
    for (const d of deployments) {
      // A new deployment of an App ends the ones still rolling out before it.
      await sql`
        UPDATE deployments SET outcome = 'Superseded', finished_at = ${d.createdAt}::timestamptz
        WHERE app_uid = ${d.appUid}::uuid AND id <> ${d.id} AND outcome = 'Progressing'
          AND created_at < ${d.createdAt}::timestamptz`.execute(tx);
      await sql`
        INSERT INTO deployments AS d (id, tenant, namespace, app, app_uid, image, spec_hash, requested_by, created_at,
                                      outcome, finished_at)
        VALUES (${d.id}, ${tenantOfNamespace(d.namespace)}, ${d.namespace}, ${d.app}, ${d.appUid}::uuid, ${d.image},
                ${d.specHash}, ${d.requestedBy}, ${d.createdAt}::timestamptz, ${d.outcome}, ${d.finishedAt}::timestamptz)
        ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome, finished_at = excluded.finished_at
        WHERE d.outcome = 'Progressing' AND excluded.outcome <> 'Progressing'`.execute(tx);
    }
    if (events.length === 0) return;
    const rows = events.map(
      (e) =>
        sql`(${tenantOfNamespace(e.namespace)}, ${e.namespace}, ${e.kind}, ${e.name}, ${e.type}, ${e.reason}, ${e.message},
          ${e.actor}, ${e.occurredAt}::timestamptz, ${e.sourceKey})`,
    );
    const result = await sql<{ id: string; tenant: string | null; source_key: string }>`
      INSERT INTO events (tenant, namespace, kind, name, type, reason, message, actor, occurred_at, source_key)
      VALUES ${sql.join(rows)}
      ON CONFLICT (source_key) DO NOTHING
      RETURNING id::text, tenant, source_key`.execute(tx);
    this.stats.timelineEvents += result.rows.length;
    // Only events recorded just now (a replay returns none), in this same transaction: each notification is queued
    // exactly once, and never for an event that was not committed.
    const byKey = new Map(events.map((e) => [e.sourceKey, e]));
    const notifications = result.rows.flatMap((row) => {
      const event = byKey.get(row.source_key);
      const notification = event && row.tenant ? notificationOf(event, row.tenant, `evt_${row.id}`) : undefined;
      return notification ? [{ eventKey: row.source_key, notification }] : [];
    });
    this.stats.notificationsQueued += await enqueueNotifications(tx, notifications);
  }

  private tenantFor(object: KubeObject): string | null {
    if (object.kind === "Namespace") return object.metadata.labels?.[TENANT_LABEL] ?? null;
    const namespace = object.metadata.namespace;
    return namespace ? (this.options.tenantOf?.(namespace) ?? null) : null;
  }

  private async writeSecret(entry: Pending, cluster: string | null): Promise<void> {
    const secrets = this.options.secrets;
    if (!secrets) return;
    const secret = entry.object;
    const app = secrets.appOf(secret);
    if (!app) return;
    const namespace = secret.metadata.namespace ?? "";
    const ref = { tenant: this.tenantFor(secret) ?? "", namespace, app };
    if (entry.deleted) {
      // Only when the App it belonged to was mirrored from this very cluster: a Secret lost with its cluster
      // must still be there for the resurrector.
      const owner = controllerOf(secret)?.uid ?? "";
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM resources WHERE uid = ${owner}::uuid
          AND cluster_uid IS NOT DISTINCT FROM ${cluster}`.execute(this.options.db);
      if (Number(rows[0]?.n ?? 0) === 0) {
        this.stats.deletionsRefused++;
        return;
      }
    }
    const data = entry.deleted ? {} : ((secret.data ?? {}) as Record<string, string>);
    const values: Record<string, string> = {};
    for (const [key, encoded] of Object.entries(data)) {
      const raw = Buffer.from(encoded, "base64");
      const text = raw.toString("utf8");
      // Secret env values are text; a binary value would not survive the round trip, so say so rather than
      // store it altered.
      if (Buffer.from(text, "utf8").equals(raw)) values[key] = text;
      else
        this.options.log.warn({ namespace, secret: secret.metadata.name, key }, "Not mirroring a binary secret value");
    }
    // The version id the API gave each value (crds/secret-versions.ts), which releases name.
    const versionIds = parseSecretVersions(secret.metadata.annotations?.[ANNOTATION_SECRET_VERSIONS]);
    this.stats.secretChanges += await secrets.store.syncApp(ref, values, "mirror", versionIds);
  }
}

/**
 * What of an object is worth restoring besides its metadata: `spec` for kinds that have one, else every
 * top-level field but the envelope (a Role's rules, a RoleBinding's subjects and roleRef).
 */
export function contentOf(object: KubeObject): unknown {
  if ("spec" in object) return object.spec;
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = object;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
