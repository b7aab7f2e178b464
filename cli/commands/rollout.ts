// `loco rollout status|promote|abort <app>`: an App's canary rollout (ADR 0010), and the two requests a person can
// make of it. The operator acts on a request at its next reconcile; `status` shows where the rollout then stands.

import { getRollout, type RolloutView, requestRollout } from "../client/rollout-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { rolloutAbortCommand, rolloutPromoteCommand, rolloutStatusCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";

type RolloutCommand =
  | ContextOf<typeof rolloutStatusCommand>
  | ContextOf<typeof rolloutPromoteCommand>
  | ContextOf<typeof rolloutAbortCommand>;

/** The rollout as lines of plain text. */
export function describeRollout(view: RolloutView): string {
  const lines = [`${view.app} (${view.profile}): strategy ${view.strategy}`];
  const r = view.rollout;
  if (!r) lines.push(view.strategy === "rolling" ? "Canary rollouts are off for this App." : "No rollout yet.");
  else {
    lines.push(
      `Deployment ${r.deploymentId}: ${r.phase}, step ${Math.min(r.step + 1, view.steps)}/${view.steps}, ${r.weight}% of traffic to the canary.`,
    );
    if (r.analysis) {
      lines.push(
        `Analysis: ${r.analysis.passed} passed, ${r.analysis.failed} failed, ${r.analysis.inconclusive} inconclusive.`,
      );
    }
    lines.push(r.message);
  }
  return `${lines.join("\n")}\n`;
}

export async function run(command: RolloutCommand): Promise<number> {
  const app = command.args.app!;
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const verb = command.command.path[1] as "status" | "promote" | "abort";
  const view =
    verb === "status"
      ? await call(`Could not read the rollout of ${app} (${profile})`, () => getRollout(client, tenant, app, profile))
      : await call(`Could not ${verb} the rollout of ${app} (${profile})`, () =>
          requestRollout(client, tenant, app, profile, verb),
        );
  if (command.json) printJson(command.io, view);
  else if (verb === "status") command.io.stdout.write(describeRollout(view));
  else {
    const id = view.rollout?.deploymentId ?? "";
    command.io.stdout.write(
      verb === "promote"
        ? `Asked to promote deployment ${id} of ${app} (${profile}); \`loco rollout status ${app}\` follows it.\n`
        : `Asked to abort deployment ${id} of ${app} (${profile}): traffic goes back to the stable version.\n`,
    );
  }
  return 0;
}
