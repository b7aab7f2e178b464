// Pure: how the fields of a whole-spec manager (`loco-api` before field ownership, `PUT …/apps/{app}`, the
// resurrector) are split among the deploy, env and scale managers, so that the first write after the upgrade
// loses no variable and no replica count a command set.
//
// At a deploy, loco.toml is the reference: a variable, replica count, cpu or memory it does not declare stays with
// `loco env` / `loco scale` (it was set by a command, or by an older loco.toml: kept either way); what it declares is
// its own. At an env or scale change there is no loco.toml: every variable goes to `loco env`, the replica count to
// `loco scale`. Everything else goes to deploy, with its live values, so that taking it over changes nothing; the
// deploy's own apply then changes (or drops) it in one write, one rollout.
import type { AppSpec } from "../../crds/app.ts";
import type { SpecOwnership } from "./field-owners.ts";
import { type EnvShare, envShare, type ScaleShare, scaleShare } from "./ownership-plan.ts";

export interface LegacySplit {
  /** What the env and scale managers apply (with what they own already), before the caller's own write. */
  env: EnvShare | undefined;
  scale: ScaleShare | undefined;
  /** What the deploy manager applies to take over the rest: the live spec less the env and scale shares. */
  deploy: Partial<AppSpec>;
}

export function legacySplit(
  live: Partial<AppSpec>,
  legacy: SpecOwnership,
  owners: { env: SpecOwnership; scale: SpecOwnership },
  declared: AppSpec | undefined,
): LegacySplit {
  const declaredNames = new Set([...(declared?.env ?? []), ...(declared?.secretEnv ?? [])].map((e) => e.name));
  const undeclared = (name: string) => !declaredNames.has(name);
  const envOwned = {
    env: new Set([...owners.env.env, ...[...legacy.env].filter(undeclared)]),
    secretEnv: new Set([...owners.env.secretEnv, ...[...legacy.secretEnv].filter(undeclared)]),
  };
  const takesEnv = envOwned.env.size + envOwned.secretEnv.size > owners.env.env.size + owners.env.secretEnv.size;

  const keepsReplicas = legacy.replicas && (!declared || (declared.replicas === undefined && !declared.autoscale));
  const keepsQuantity = (q: "cpu" | "memory") => legacy[q] && declared !== undefined && !declared.resources?.[q];
  const scaleOwned = {
    replicas: owners.scale.replicas || keepsReplicas,
    cpu: owners.scale.cpu || keepsQuantity("cpu"),
    memory: owners.scale.memory || keepsQuantity("memory"),
  };
  const takesScale = keepsReplicas || keepsQuantity("cpu") || keepsQuantity("memory");

  const deploy = structuredClone(live);
  const env = deploy.env?.filter((e) => !envOwned.env.has(e.name));
  const secretEnv = deploy.secretEnv?.filter((e) => !envOwned.secretEnv.has(e.name));
  if (env?.length) deploy.env = env;
  else delete deploy.env;
  if (secretEnv?.length) deploy.secretEnv = secretEnv;
  else delete deploy.secretEnv;
  if (scaleOwned.replicas) delete deploy.replicas;
  if (deploy.resources) {
    if (scaleOwned.cpu) delete deploy.resources.cpu;
    if (scaleOwned.memory) delete deploy.resources.memory;
    if (Object.keys(deploy.resources).length === 0) delete deploy.resources;
  }
  return {
    env: takesEnv ? envShare(live, envOwned) : undefined,
    scale: takesScale ? scaleShare(live, scaleOwned) : undefined,
    deploy,
  };
}
