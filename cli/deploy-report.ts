// What `loco deploy` and `loco rollback` print once the API accepted a deployment: its id, or with --wait the
// rollout followed to its end (live view, change lines or ndjson) and the exit code of its outcome.
import type { ApiClient, DeploymentAccepted } from "./client/api-client.ts";
import { call } from "./client/session.ts";
import type { ContextWith } from "./context.ts";
import { followDeployment } from "./deploy-watch.ts";
import { parseDuration } from "./duration.ts";
import { printJson, printNdjson } from "./output.ts";
import { type DeployState, deployChanges, finalLine } from "./views/deploy-model.ts";

const exitFor = (state: DeployState) => (state.outcome === "Available" ? 0 : state.outcome === "TimedOut" ? 5 : 4);

export async function reportDeployment(
  command: ContextWith<{ wait: boolean | undefined; timeout: string; "non-interactive": boolean | undefined }>,
  client: ApiClient,
  target: { tenant: string; profile: string; app: string },
  accepted: DeploymentAccepted,
  verb: string,
): Promise<number> {
  const { tenant, profile, app } = target;
  const summary = {
    app,
    tenant,
    profile,
    deploymentId: accepted.deploymentId,
    unchanged: accepted.unchanged,
    overrides: accepted.overrides ?? [],
  };
  if (!command.flags.wait) {
    if (command.json) printJson(command.io, summary);
    else
      command.io.stdout.write(
        accepted.unchanged
          ? `${app} (${profile}) is already at this configuration: deployment ${accepted.deploymentId}.\n`
          : `${verb} ${accepted.deploymentId} of ${app} (${profile}) accepted. Follow it with \`loco status\`, or pass --wait.\n`,
      );
    return 0;
  }
  const timeoutMs = parseDuration(command.flags.timeout, "timeout");
  const follow = (onState: (state: DeployState) => void) =>
    call(`Could not follow deployment ${accepted.deploymentId}`, () =>
      followDeployment({
        client,
        tenant,
        profile,
        app,
        deploymentId: accepted.deploymentId,
        eventsPath: accepted.events,
        timeoutMs,
        log: command.log,
        onState,
      }),
    );

  let final: DeployState;
  if (command.json) {
    let last = "";
    final = await follow((state) => {
      const line = JSON.stringify({
        deploymentId: state.deploymentId,
        outcome: state.outcome,
        conditions: state.conditions,
      });
      if (line !== last) printNdjson(command.io, { type: "progress", ...JSON.parse(line) });
      last = line;
    });
    printNdjson(command.io, {
      type: "result",
      ...summary,
      outcome: final.outcome,
      url: final.url,
      elapsedMs: Math.round(final.elapsedMs),
    });
  } else if (command.interactive && !command.flags["non-interactive"]) {
    const { renderDeploy } = await import("./views/deploy-screen.ts");
    const screen = renderDeploy(command.io);
    try {
      final = await follow(screen.update);
    } finally {
      await screen.done();
    }
  } else {
    let previous: DeployState | undefined;
    final = await follow((state) => {
      for (const line of deployChanges(previous, state)) command.io.stdout.write(`${line}\n`);
      previous = state;
    });
    command.io.stdout.write(`${finalLine(final)!.text}\n`);
  }
  return exitFor(final);
}
