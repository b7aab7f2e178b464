// The state mirror: every loco resource (spec, status, generation, resourceVersion) copied into `resources`,
// keyed by uid, from the operator's watch caches. Writes are batched and idempotent (replaying an object changes
// nothing); deletions set `deleted_at`. While Postgres is unreachable, changes accumulate as a set of dirty uids
// (bounded by the number of objects, not of events) and are written when it returns, after which a full pass
// over the caches repairs anything that may have been missed — no row is lost.
import { type Kysely, sql } from "kysely";
import type { Logger } from "../operator/runtime/logger.ts";
import type { KubeObject } from "../operator/runtime/types.ts";
import { toStorageError } from "./storage-error.ts";

/** What the mirror reads: an informer satisfies it. */
export interface MirrorSource {
  list(): KubeObject[];
  addHandlers(handlers: { onUpsert?(object: KubeObject): void; onDelete?(object: KubeObject): void }): void;
}

export interface MirrorOptions {
  db: Kysely<unknown>;
  sources: MirrorSource[];
  log: Logger;
  /** Tenant of an object (from its namespace's label); undefined for cluster-scoped kinds. */
  tenantOf?: (object: KubeObject) => string | undefined;
  batchSize?: number;
  /** Observes change → row-committed latency, in seconds. */
  onLag?: (seconds: number) => void;
}

type Pending = { object: KubeObject; deleted: boolean; since: number };

export class Mirror {
  private readonly pending = new Map<string, Pending>();
  private readonly options: MirrorOptions;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private needsFullPass = true;
  private stopped = false;
  /** For tests and metrics. */
  readonly stats = { rowsWritten: 0, flushes: 0, failures: 0, fullPasses: 0 };

  constructor(options: MirrorOptions) {
    this.options = options;
    for (const source of options.sources) {
      source.addHandlers({
        onUpsert: (object) => this.mark(object, false),
        onDelete: (object) => this.mark(object, true),
      });
    }
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

  /** Upserts every cached object and marks rows whose object is gone as deleted. */
  private async fullPass(): Promise<void> {
    const objects = this.options.sources.flatMap((source) => source.list());
    const kinds = [...new Set(objects.map((o) => o.kind))];
    const live = objects.map((o) => o.metadata.uid ?? "");
    // Deletions first: an object deleted and re-created under the same name during an outage has a new uid,
    // and the old row must stop being the live one before the new row can take its name.
    if (kinds.length > 0) {
      await sql`
        UPDATE resources SET deleted_at = now(), updated_at = now()
        WHERE deleted_at IS NULL AND kind IN (${sql.join(kinds)})
          AND NOT (uid = ANY(${sql.val(live)}::uuid[]))`.execute(this.options.db);
    }
    for (let i = 0; i < objects.length; i += 500) {
      await this.write(
        objects.slice(i, i + 500).map((object) => ({ object, deleted: false, since: performance.now() })),
      );
    }
    this.needsFullPass = false;
    this.stats.fullPasses++;
  }

  private async write(entries: Pending[]): Promise<void> {
    if (entries.length === 0) return;
    this.stats.flushes++;
    const rows = entries.map(({ object, deleted }) => {
      const m = object.metadata;
      return sql`(${m.uid}::uuid, ${object.kind}, ${m.namespace ?? ""}, ${m.name ?? ""}, ${this.options.tenantOf?.(object) ?? null},
        ${m.generation ?? 0}, ${m.resourceVersion ?? ""}, ${JSON.stringify(m.labels ?? {})}::jsonb,
        ${JSON.stringify(m.annotations ?? {})}::jsonb, ${object.spec === undefined ? null : JSON.stringify(object.spec)}::jsonb,
        ${object.status === undefined ? null : JSON.stringify(object.status)}::jsonb, ${m.creationTimestamp ?? new Date().toISOString()}::timestamptz,
        ${deleted ? sql`now()` : null}::timestamptz)`;
    });
    // A row changes only when the object did (or was deleted): replays write nothing.
    const result = await sql`
      INSERT INTO resources AS r (uid, kind, namespace, name, tenant, generation, resource_version, labels, annotations,
                                  spec, status, created_at, deleted_at)
      VALUES ${sql.join(rows)}
      ON CONFLICT (uid) DO UPDATE SET
        generation = excluded.generation, resource_version = excluded.resource_version, labels = excluded.labels,
        annotations = excluded.annotations, spec = excluded.spec, status = excluded.status, tenant = excluded.tenant,
        deleted_at = coalesce(r.deleted_at, excluded.deleted_at), updated_at = now()
      WHERE r.resource_version IS DISTINCT FROM excluded.resource_version
         OR (excluded.deleted_at IS NOT NULL AND r.deleted_at IS NULL)`.execute(this.options.db);
    this.stats.rowsWritten += Number(result.numAffectedRows ?? 0);
  }
}
