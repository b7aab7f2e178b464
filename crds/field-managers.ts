// The server-side-apply field managers that write an App's spec, one per writer, so that no writer removes another's
// fields by leaving them out (docs/concepts.md, "Who owns which field"). The API, the resurrector and the tests
// share these names; the operator never writes an App's spec.

/** `loco deploy` and rollbacks: the build and runtime shape loco.toml declares. */
export const DEPLOY_FIELD_MANAGER = "loco-deploy";
/** `loco env set|unset|sync`: the spec.env and spec.secretEnv entries it set, each by name. */
export const ENV_FIELD_MANAGER = "loco-env";
/** `loco scale`: spec.replicas and the resources.cpu/memory it set. */
export const SCALE_FIELD_MANAGER = "loco-scale";

/**
 * Managers that wrote whole App specs: `loco-api` (every write before field ownership, and `PUT …/apps/{app}`) and
 * `loco-resurrector` (a rebuilt App). What they own is split among the three above on the App's next deploy, env or
 * scale write, so that no env or replicas are lost (api/deploy/legacy-split.ts).
 */
export const WHOLE_SPEC_FIELD_MANAGERS: readonly string[] = ["loco-api", "loco-resurrector"];
/** `loco rollout promote|abort`: the App annotations that ask the operator to promote or abort a canary (ADR 0010). */
export const ROLLOUT_FIELD_MANAGER = "loco-rollout";
