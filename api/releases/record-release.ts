// Records a release after a write that changes what an App runs (deploy, PUT of the App, env, secrets, scale,
// rollback): the whole spec it resulted in, the version id of each secret key (read from the App's Secret in the
// cluster, never a value), the deployment id, and what changed since the App's previous release (or since the App
// as it was, for its first).

import { releaseChanges } from "../../db/release-changes.ts";
import type { ReleaseSource } from "../../db/release-source.ts";
import type { ReleaseKind } from "../../db/schema.ts";
import { latestRelease, recordRelease } from "../../db/stores/releases.ts";
import { currentSecretVersions } from "../apps/secret-values.ts";
import { actorOf, type Principal, sourceOf } from "../auth/principal.ts";
import type { ApiServices } from "../server.ts";

export interface ReleaseFacts {
  tenant: string;
  namespace: string;
  app: string;
  kind: ReleaseKind;
  /** Who made it: recorded as a sentence (actor) and as data (source). */
  by: Principal;
  /** The source recorded instead of the caller's, for a promotion (it names the caller within). */
  source?: ReleaseSource;
  /** The whole spec the App has after the write. */
  spec: unknown;
  /** The spec before the write; compared against when the App has no release yet. */
  before: unknown;
  deploymentId: string | null;
  /** The secrets' version ids, when the caller knows them (else they are read from the Secret). */
  secrets?: Record<string, string | null>;
  rollbackOf?: number;
}

/** Records the release; returns its number. */
export async function recordAppRelease(services: ApiServices, facts: ReleaseFacts): Promise<number> {
  const { tenant, namespace, app } = facts;
  // The Secret (apiserver) and the previous release (database) are read at once: both are on every deploy's path.
  const [secrets, previous] = await Promise.all([
    facts.secrets ?? currentSecretVersions(services, namespace, app),
    latestRelease(services.db, { tenant, namespace, app }),
  ]);
  const before = previous
    ? { spec: previous.spec, secrets: previous.secrets }
    : facts.before === undefined
      ? undefined
      : { spec: facts.before, secrets: {} };
  return recordRelease(services.db, {
    tenant,
    namespace,
    app,
    kind: facts.kind,
    actor: actorOf(facts.by),
    source: facts.source ?? sourceOf(facts.by),
    changes: releaseChanges(before, { spec: facts.spec, secrets }),
    spec: facts.spec,
    secrets,
    deploymentId: facts.deploymentId,
    rollbackOf: facts.rollbackOf,
  });
}
