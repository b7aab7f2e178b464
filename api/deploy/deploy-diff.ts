// Pure: what a deploy would change, for `loco deploy --dry-run` (POST …/apps/{app}/diff): the spec's field changes,
// the variable names added and removed (plain and secret, names only), the replica count before and after, and the
// fields whose value a command set and which value stays in effect.
import type { AppSpec } from "../../crds/app.ts";
import { diffLines, type SpecChange, specChanges } from "../../kube/spec-diff.ts";
import type { DeployPreview } from "./deploy-preview.ts";
import type { Override } from "./ownership-plan.ts";

export interface DeployDiff {
  exists: boolean;
  changed: boolean;
  generation: number | null;
  changes: SpecChange[];
  diff: string;
  env: { added: string[]; removed: string[] };
  replicas: { before: number | null; after: number | null };
  overrides: Override[];
}

const names = (spec: Partial<AppSpec> | undefined) =>
  new Set([...(spec?.env ?? []), ...(spec?.secretEnv ?? [])].map((e) => e.name));

export function deployDiff(preview: Pick<DeployPreview, "live" | "plan" | "proposed">): DeployDiff {
  const before = preview.live?.spec as Partial<AppSpec> | undefined;
  const after = preview.proposed;
  // Secret variables name a key, never a value: listing secretEnv changes shows no secret.
  const changes = specChanges(before, after);
  const was = names(before);
  const now = names(after);
  return {
    exists: preview.live !== undefined,
    changed: changes.length > 0,
    generation: preview.live?.metadata.generation ?? null,
    changes,
    diff: diffLines(changes).join("\n"),
    env: { added: [...now].filter((n) => !was.has(n)).sort(), removed: [...was].filter((n) => !now.has(n)).sort() },
    replicas: { before: before?.replicas ?? null, after: after.replicas ?? null },
    overrides: preview.plan.overrides,
  };
}
