import { CliError } from "../cli-error.ts";
import { rollbackRelease } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { rollbackCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { reportDeployment } from "../deploy-report.ts";
import { parseDuration } from "../duration.ts";
import { appTarget } from "../project/project.ts";

export async function run(command: ContextOf<typeof rollbackCommand>): Promise<number> {
  const { app, profile } = await appTarget(command);
  parseDuration(command.flags.timeout, "timeout");
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const asked = command.args.release;
  if (asked !== undefined && /^v?\d+$/.test(asked)) {
    const release = Number(asked.replace(/^v/, ""));
    if (!command.json) command.io.stderr.write(`Rolling back ${app} (${profile}) to release ${release}.\n`);
    const accepted = await call(`Could not roll ${app} (${profile}) back to release ${release}`, () =>
      rollbackRelease(client, tenant, app, profile, release),
    );
    return reportDeployment(
      command,
      client,
      { tenant, profile, app },
      accepted,
      `Rollback to release ${release}: deployment`,
    );
  }
  let target = asked;
  if (!target) {
    // The newest Available deployment other than the current one.
    const current = (await call(`Could not get app ${app} (${profile})`, () => client.getApp(tenant, app, profile)))
      .status.deploymentId;
    const deployments = await call(`Could not list the deployments of ${app}`, () =>
      client.listDeployments(tenant, app, profile),
    );
    target = deployments.items.find((d) => d.outcome === "Available" && d.id !== current)?.id;
    if (!target) {
      throw new CliError({
        code: "notFound",
        what: `Nothing to roll ${app} (${profile}) back to`,
        why: "No earlier deployment of it became Available.",
        fix: "Pass the id of an earlier deployment (each `loco deploy` printed its id), or deploy a fixed version with `loco deploy`.",
      });
    }
  }
  const id = target;
  // Said before the rollout view starts, so the user knows which deployment --wait is bringing back.
  if (!command.json) command.io.stderr.write(`Rolling back ${app} (${profile}) to deployment ${id}.\n`);
  const accepted = await call(`Could not roll ${app} (${profile}) back to ${id}`, () =>
    client.rollbackApp(tenant, app, profile, id),
  );
  return reportDeployment(command, client, { tenant, profile, app }, accepted, `Rollback to ${id}: deployment`);
}
