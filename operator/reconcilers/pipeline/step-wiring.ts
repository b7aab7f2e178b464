// What ties tasks together beyond dependsOn, checked before a Run can trip over it: a task that reads another's
// outputs must come after it, and a deploy step must deploy an App the Pipeline's permissions allow (the Run's
// credential could not, and the step would fail with 403 after the build). Pure.
import { Reason } from "../../../crds/conditions.ts";
import type { PipelineSpec, Task } from "../../../crds/pipeline.ts";
import { referencedTasks } from "../run/task-outputs.ts";
import type { SpecProblem } from "./validation.ts";

/** Every text of a task where output references are substituted. */
function substitutedTexts(task: Task): string[] {
  return [
    ...(task.command ?? []),
    ...(task.args ?? []),
    ...(task.script === undefined ? [] : [task.script]),
    ...(task.env ?? []).map((e) => e.value),
    ...(task.deploy ? [task.deploy.image] : []),
  ];
}

/** The tasks `name` runs after, directly or through others. */
function upstreamOf(name: string, byName: ReadonlyMap<string, Task>): Set<string> {
  const seen = new Set<string>();
  const walk = (task: string) => {
    for (const dep of Object.keys(byName.get(task)?.dependsOn ?? {})) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      walk(dep);
    }
  };
  walk(name);
  return seen;
}

export function stepWiringProblems(spec: PipelineSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const byName = new Map(spec.tasks.map((t) => [t.name, t]));
  for (const task of spec.tasks) {
    const upstream = upstreamOf(task.name, byName);
    const unreachable = [...new Set(substitutedTexts(task).flatMap(referencedTasks))].filter((t) => !upstream.has(t));
    if (unreachable.length > 0) {
      problems.push({
        reason: Reason.UnknownDependency,
        message: `Task ${task.name} reads outputs of ${unreachable.join(", ")}, which it does not run after; add ${unreachable.map((t) => `${t}: Success`).join(", ")} to its dependsOn.`,
      });
    }
    const deploy = task.deploy;
    if (!deploy) continue;
    // A profile left out on either side means the Run's own: they agree unless both name different ones.
    const permitted = (spec.permissions?.deploy ?? []).some(
      (p) =>
        p.app === deploy.app &&
        (p.profile === undefined || deploy.profile === undefined || p.profile === deploy.profile),
    );
    if (!permitted) {
      const entry = deploy.profile ? `{ app: ${deploy.app}, profile: ${deploy.profile} }` : `{ app: ${deploy.app} }`;
      problems.push({
        reason: Reason.DeployNotPermitted,
        message: `Task ${task.name} deploys App ${deploy.app}, which spec.permissions.deploy does not list, so the Run's credential could not; add ${entry} there.`,
      });
    }
  }
  return problems;
}
