import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../context.ts";
import { followDeployment } from "../deploy-watch.ts";
import { parseDuration } from "../duration.ts";
import { printJson, printNdjson } from "../output.ts";
import { profileFor, readProject } from "../project.ts";
import { call, session, tenantOf } from "../session.ts";
import { type DeployState, deployChanges, finalLine } from "../ui/deploy-model.ts";

const exitFor = (state: DeployState) => (state.outcome === "Available" ? 0 : state.outcome === "TimedOut" ? 5 : 4);

export async function run(command: CommandContext): Promise<number> {
  const project = (await readProject(command, true))!;
  const profile = profileFor(command, project);
  const { appFromLocoToml, LocoTomlError } = await import("../loco-toml.ts");
  const file = command.flags.file as string;
  let app: ReturnType<typeof appFromLocoToml>;
  try {
    app = appFromLocoToml(project, profile, file);
  } catch (error) {
    if (!(error instanceof LocoTomlError)) throw error;
    throw new CliError({
      code: "usage",
      what: `${file} is invalid for profile ${profile}`,
      why: error.message,
      fix: `Fix the keys named in ${file}.`,
      cause: error,
    });
  }
  const spec: Record<string, unknown> = { ...app.spec };
  if (command.flags.image) spec.image = command.flags.image;
  const timeoutMs = parseDuration(command.flags.timeout as string, "timeout");
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const accepted = await call(`Could not deploy ${app.name} to ${profile}`, () =>
    client.deployApp(tenant, app.name, profile, spec),
  );
  const summary = {
    app: app.name,
    tenant,
    profile,
    deploymentId: accepted.deploymentId,
    unchanged: accepted.unchanged,
  };

  if (!command.flags.wait) {
    if (command.json) printJson(command.io, summary);
    else
      command.io.stdout.write(
        accepted.unchanged
          ? `${app.name} (${profile}) is already at this configuration: deployment ${accepted.deploymentId}.\n`
          : `Deployment ${accepted.deploymentId} of ${app.name} (${profile}) accepted. Follow it with \`loco deploy --wait\` or \`loco status\`.\n`,
      );
    return 0;
  }

  const follow = (onState: (state: DeployState) => void) =>
    call(`Could not follow deployment ${accepted.deploymentId}`, () =>
      followDeployment({
        client,
        tenant,
        profile,
        app: app.name,
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
    const { renderDeploy } = await import("../ui/deploy-screen.ts");
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
