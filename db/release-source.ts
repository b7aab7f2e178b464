// Where a release came from, as data (releases.source, migration 0012): the API records who called it — a user,
// an API token, or a Run's own credential (docs/adr/0009-run-credentials.md) — and the mirror records a change
// applied straight to the cluster by its field managers, with the Git commit when the GitOps tool named one.
// `actor` keeps the same as one sentence for people; this is what programs read.

export type ReleaseSource = CallerSource | PromotionSource;

/** Who called the API or applied the change. */
export type CallerSource =
  /** A user signed in through OpenID Connect. */
  | { kind: "user"; subject: string }
  /** An API token: its id, and the subject that minted it. */
  | { kind: "token"; token: string; subject: string }
  /** A Run's own credential: the Run (and its Pipeline, for a Run of one). */
  | { kind: "run"; namespace: string; run: string; pipeline: string | null }
  /** Applied outside the API from a Git commit (Argo CD and the like), by these field managers. */
  | { kind: "git"; revision: string; managers: string[] }
  /** Applied outside the API (kubectl, a controller) by these field managers, naming no commit. */
  | { kind: "external"; managers: string[] };

/**
 * A promotion (`loco promote`): the exact image, env and secret versions of another profile's release of the same App,
 * named by profile and number, and who promoted it.
 */
export interface PromotionSource {
  kind: "promotion";
  profile: string;
  release: number;
  /** The deployment the promoted release ran as (it was Available when promoted). */
  deploymentId: string;
  by: CallerSource;
}

/** The source of a change the mirror saw applied outside the API. */
export function externalSource(managers: string[], gitRevision: string | null): CallerSource {
  return gitRevision ? { kind: "git", revision: gitRevision, managers } : { kind: "external", managers };
}
