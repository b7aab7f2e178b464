// Pure: what each of an App's writers applies, so that none removes another's fields (docs/concepts.md, "Who owns
// which field"). loco.toml (deploy) owns the build and runtime shape; `loco env` the variables it set, by name;
// `loco scale` the replicas, cpu and memory it set. A field both loco.toml and a command set keeps the command's
// value: the deploy leaves it out and reports it, unless forced (`--force-conflicts`), which hands it back to
// loco.toml.
import type { AppSpec } from "../../crds/app.ts";
import type { SpecOwnership } from "./field-owners.ts";

type EnvVar = { name: string; value: string };
type SecretEnvVar = { name: string; secretKey: string };
type Quantity = string | number;

/** The env manager's fields: the entries it set, plain and secret. */
export interface EnvShare {
  env: EnvVar[];
  secretEnv: SecretEnvVar[];
}

/** The scale manager's fields. */
export interface ScaleShare {
  replicas?: number;
  resources?: { cpu?: Quantity; memory?: Quantity };
}

/** A field loco.toml declares that `loco env` or `loco scale` set too, and which value is in effect. */
export interface Override {
  /** As the apiserver names it, env by name: spec.env[LOG_LEVEL], spec.replicas, spec.resources.cpu. */
  field: string;
  /** The command that set it. */
  setBy: "loco env" | "loco scale";
  /** The value the command set (secret variables as "(secret)"), and loco.toml's. */
  current: unknown;
  declared: unknown;
  /** Whose value the App has after the deploy: the command's (the rule) or loco.toml's (forced). */
  inEffect: "command" | "loco.toml";
}

export interface DeployPlan {
  /** The spec the deploy manager applies. */
  spec: AppSpec;
  overrides: Override[];
  /**
   * Forced: what the env and scale managers apply after the deploy's apply (which took the values), without the
   * fields handed back to loco.toml, so they own them no more.
   */
  handBack?: { env?: EnvShare; scale?: ScaleShare };
  /**
   * Forced, and only where the App would otherwise break a rule for a moment (a replica count beside loco.toml's
   * autoscale, a plain and a secret variable of one name): what they let go of before the deploy's apply.
   */
  handBackFirst?: { env?: EnvShare; scale?: ScaleShare };
}

const SECRET = "(secret)";
const envOf = (spec: Partial<AppSpec> | undefined) => (spec?.env ?? []) as EnvVar[];
const secretEnvOf = (spec: Partial<AppSpec> | undefined) => (spec?.secretEnv ?? []) as SecretEnvVar[];
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The env manager's share of a live spec: the entries whose names it owns. */
export function envShare(spec: Partial<AppSpec> | undefined, owned: { env: Set<string>; secretEnv: Set<string> }) {
  return {
    env: envOf(spec).filter((e) => owned.env.has(e.name)),
    secretEnv: secretEnvOf(spec).filter((e) => owned.secretEnv.has(e.name)),
  };
}

/** The scale manager's share of a live spec: the fields it owns. */
export function scaleShare(
  spec: Partial<AppSpec> | undefined,
  owned: Pick<SpecOwnership, "replicas" | "cpu" | "memory">,
): ScaleShare {
  const share: ScaleShare = {};
  if (owned.replicas && spec?.replicas !== undefined) share.replicas = spec.replicas;
  const cpu = owned.cpu ? spec?.resources?.cpu : undefined;
  const memory = owned.memory ? spec?.resources?.memory : undefined;
  if (cpu !== undefined || memory !== undefined)
    share.resources = { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
  return share;
}

/**
 * The spec a manager applies for its share: only its fields, empty lists and objects left out; undefined when it
 * has none (the manager then applies no spec and owns nothing of it).
 */
export function shareSpec(share: Partial<EnvShare> & ScaleShare): Partial<AppSpec> | undefined {
  const spec: Partial<AppSpec> = {};
  if (share.env?.length) spec.env = share.env;
  if (share.secretEnv?.length) spec.secretEnv = share.secretEnv;
  if (share.replicas !== undefined) spec.replicas = share.replicas;
  if (share.resources && Object.keys(share.resources).length > 0)
    spec.resources = share.resources as AppSpec["resources"];
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/**
 * What a deploy of `declared` (loco.toml's spec) applies, given the live spec and what the env and scale managers
 * own of it. Not forced: the fields they own are left out (their values stay) and reported when loco.toml says
 * otherwise. Forced: loco.toml's spec as it is, and the managers first give up the fields it declares.
 */
export function deployPlan(
  declared: AppSpec,
  live: Partial<AppSpec> | undefined,
  env: SpecOwnership,
  scale: SpecOwnership,
  force: boolean,
): DeployPlan {
  const spec = structuredClone(declared);
  const overrides: Override[] = [];
  const inEffect = force ? "loco.toml" : "command";
  const envNames = new Set([...env.env, ...env.secretEnv]);
  const liveValue = (name: string) =>
    secretEnvOf(live).some((s) => s.name === name) ? SECRET : envOf(live).find((e) => e.name === name)?.value;
  const handedBackEnv = new Set<string>();
  for (const [list, show] of [
    [envOf(declared), (e: EnvVar) => e.value],
    [secretEnvOf(declared), () => SECRET],
  ] as const) {
    for (const entry of list as (EnvVar & SecretEnvVar)[]) {
      if (!envNames.has(entry.name)) continue;
      handedBackEnv.add(entry.name);
      const current = liveValue(entry.name);
      const wanted = show(entry);
      if (current !== wanted || current === SECRET)
        overrides.push({ field: `spec.env[${entry.name}]`, setBy: "loco env", current, declared: wanted, inEffect });
    }
  }
  const handedBackScale: (keyof ScaleShare | "cpu" | "memory")[] = [];
  if (scale.replicas && (declared.replicas !== undefined || declared.autoscale !== undefined)) {
    handedBackScale.push("replicas");
    const field = declared.replicas !== undefined ? "spec.replicas" : "spec.autoscale";
    const wanted = declared.replicas ?? declared.autoscale;
    if (!same(live?.replicas, wanted))
      overrides.push({ field, setBy: "loco scale", current: live?.replicas, declared: wanted, inEffect });
  }
  for (const quantity of ["cpu", "memory"] as const) {
    if (!scale[quantity] || declared.resources?.[quantity] === undefined) continue;
    handedBackScale.push(quantity);
    const current = live?.resources?.[quantity];
    if (String(current) !== String(declared.resources[quantity]))
      overrides.push({
        field: `spec.resources.${quantity}`,
        setBy: "loco scale",
        current,
        declared: declared.resources[quantity],
        inEffect,
      });
  }

  if (force) {
    const keptEnv = { env: new Set(env.env), secretEnv: new Set(env.secretEnv) };
    for (const name of handedBackEnv) {
      keptEnv.env.delete(name);
      keptEnv.secretEnv.delete(name);
    }
    const keptScale = {
      replicas: scale.replicas && !handedBackScale.includes("replicas"),
      cpu: scale.cpu && !handedBackScale.includes("cpu"),
      memory: scale.memory && !handedBackScale.includes("memory"),
    };
    const declaredPlain = new Set(envOf(declared).map((e) => e.name));
    const retyped = [...handedBackEnv].filter((name) =>
      declaredPlain.has(name) ? env.secretEnv.has(name) : env.env.has(name),
    );
    const firstEnv = { env: new Set(env.env), secretEnv: new Set(env.secretEnv) };
    for (const name of retyped) {
      firstEnv.env.delete(name);
      firstEnv.secretEnv.delete(name);
    }
    const dropsReplicasFirst = scale.replicas && declared.autoscale !== undefined && declared.replicas === undefined;
    const first = {
      ...(retyped.length > 0 ? { env: envShare(live, firstEnv) } : {}),
      ...(dropsReplicasFirst ? { scale: scaleShare(live, { ...scale, replicas: false }) } : {}),
    };
    return {
      spec,
      overrides,
      handBack: {
        ...(handedBackEnv.size > 0 ? { env: envShare(live, keptEnv) } : {}),
        ...(handedBackScale.length > 0 ? { scale: scaleShare(live, keptScale) } : {}),
      },
      ...(Object.keys(first).length > 0 ? { handBackFirst: first } : {}),
    };
  }
  // The rule: the command's values stay, so the deploy leaves those fields out.
  if (spec.env) spec.env = spec.env.filter((e) => !envNames.has(e.name));
  if (spec.secretEnv) spec.secretEnv = spec.secretEnv.filter((e) => !envNames.has(e.name));
  if (spec.env?.length === 0) delete spec.env;
  if (spec.secretEnv?.length === 0) delete spec.secretEnv;
  if (handedBackScale.includes("replicas")) {
    delete spec.replicas;
    delete spec.autoscale;
  }
  if (spec.resources) {
    for (const quantity of ["cpu", "memory"] as const)
      if (handedBackScale.includes(quantity)) delete spec.resources[quantity];
    if (Object.keys(spec.resources).length === 0) delete spec.resources;
  }
  return { spec, overrides };
}

/**
 * A rollback: `recorded` (the whole spec an earlier deployment ran) again, each writer keeping its fields as they
 * were then — the variables `loco env` owns now take their recorded values (or go, if the recorded spec lacks
 * them), likewise `loco scale`'s replicas, cpu and memory; everything else is the deploy's. The shares are applied
 * after the spec itself (api/deploy/restore-app.ts), so that they change no value.
 */
export function rollbackPlan(
  recorded: AppSpec,
  env: SpecOwnership,
  scale: SpecOwnership,
): { spec: AppSpec; env: EnvShare | undefined; scale: ScaleShare | undefined } {
  const envNames = new Set([...env.env, ...env.secretEnv]);
  const owned = { env: envNames, secretEnv: envNames };
  const scaleOwned = { replicas: scale.replicas, cpu: scale.cpu, memory: scale.memory };
  const spec = structuredClone(recorded);
  if (spec.env) spec.env = spec.env.filter((e) => !envNames.has(e.name));
  if (spec.secretEnv) spec.secretEnv = spec.secretEnv.filter((e) => !envNames.has(e.name));
  if (spec.env?.length === 0) delete spec.env;
  if (spec.secretEnv?.length === 0) delete spec.secretEnv;
  if (scale.replicas) delete spec.replicas;
  if (spec.resources) {
    if (scale.cpu) delete spec.resources.cpu;
    if (scale.memory) delete spec.resources.memory;
    if (Object.keys(spec.resources).length === 0) delete spec.resources;
  }
  return {
    spec,
    env: env.spec ? envShare(recorded, owned) : undefined,
    scale: scale.spec ? scaleShare(recorded, scaleOwned) : undefined,
  };
}
