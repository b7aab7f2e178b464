// How an App's secret values are named by version across processes that must not share the key-encryption key
// (docs/adr/0008-releases-and-secret-versions.md). The API writes values into the App's Secret and names each
// key's value with a version id (a ULID) in an annotation of that Secret; the operator's mirror stores each value,
// encrypted, under that id; a release records the ids; a rollback asks the operator (annotation on the App) to
// write the values of named ids back. Values never leave the cluster's Secret and the encrypted table.

/** On an App's Secret: JSON `{ KEY: versionId }`, the version id of each key's current value. */
export const ANNOTATION_SECRET_VERSIONS = "loco.dev/secret-versions";
/**
 * On an App: JSON `{ id, versions: { KEY: versionId }, keep: [KEY] }`, a restore the operator performs: the Secret then
 * holds the named versions, keeps the `keep` keys as they are (a release's keys without a known version) and loses
 * every other key.
 */
export const ANNOTATION_RESTORE_SECRETS = "loco.dev/restore-secrets";
/** On an App's Secret: the id of the last restore the operator performed, so that it restores once. */
export const ANNOTATION_SECRETS_RESTORED = "loco.dev/secrets-restored";

/**
 * The field manager that owns an App's Secret's values: the API's `PATCH …/env` writes them, and the operator's
 * restore writes them under the same name, so that a later `loco secrets unset` (which leaves a key out of its apply)
 * removes a restored key like any other.
 */
export const SECRET_VALUES_FIELD_MANAGER = "loco-api";
/** Owns only the restore marker on the Secret, so that the values' manager never drops it by leaving it out. */
export const SECRET_RESTORE_FIELD_MANAGER = "loco-secret-restore";

const VERSION_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Key → version id, from an annotation's JSON; anything malformed is left out (a hand-edited annotation). */
export function parseSecretVersions(text: string | undefined): Record<string, string> {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    const versions: Record<string, string> = {};
    for (const [key, id] of Object.entries(parsed))
      if (typeof id === "string" && VERSION_ID.test(id)) versions[key] = id;
    return versions;
  } catch {
    return {};
  }
}

/** The annotation's JSON, keys sorted so that the same versions always read the same. */
export const formatSecretVersions = (versions: Record<string, string>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(versions).sort(([a], [b]) => a.localeCompare(b))));

export interface SecretRestore {
  /** Names this restore; the operator performs each id once. */
  id: string;
  versions: Record<string, string>;
  keep: string[];
  /**
   * Where the versions are stored when not with this App: the same App in another namespace of the same tenant (a
   * promotion from another profile). The operator refuses one in another tenant's namespace.
   */
  from?: { namespace: string; app: string };
}

export function parseSecretRestore(text: string | undefined): SecretRestore | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { id?: unknown; versions?: unknown; keep?: unknown; from?: unknown };
    if (typeof parsed.id !== "string" || parsed.id === "") return undefined;
    const keep = Array.isArray(parsed.keep) ? parsed.keep.filter((k): k is string => typeof k === "string") : [];
    const restore: SecretRestore = {
      id: parsed.id,
      versions: parseSecretVersions(JSON.stringify(parsed.versions ?? {})),
      keep,
    };
    const from = parsed.from as { namespace?: unknown; app?: unknown } | null | undefined;
    if (from !== undefined) {
      // A malformed source is no restore at all, rather than a restore from this App's own versions.
      if (typeof from?.namespace !== "string" || typeof from.app !== "string") return undefined;
      restore.from = { namespace: from.namespace, app: from.app };
    }
    return restore;
  } catch {
    return undefined;
  }
}

export const formatSecretRestore = (restore: SecretRestore): string =>
  JSON.stringify({
    id: restore.id,
    versions: JSON.parse(formatSecretVersions(restore.versions)),
    keep: [...restore.keep].sort(),
    ...(restore.from ? { from: { namespace: restore.from.namespace, app: restore.from.app } } : {}),
  });
