import { CliError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { deployCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { dryRunText, overridesText } from "../deploy-overrides.ts";
import { hostnameRefusal } from "../deploy-refusal.ts";
import { reportDeployment } from "../deploy-report.ts";
import { parseDuration } from "../duration.ts";
import { printJson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";
import { deployImage } from "./deploy-image.ts";

export async function run(command: ContextOf<typeof deployCommand>): Promise<number> {
  // `--app` with `--image` and no loco.toml: the App's deployed spec with this image (a Pipeline's deploy step).
  const byImage = command.flags.app !== undefined && command.flags.image !== undefined;
  const project = await readProject(command, !byImage);
  if (!project) return deployImage(command);
  const profile = profileFor(command, project);
  const { appFromLocoToml, LocoTomlError } = await import("../project/loco-toml.ts");
  const file = command.flags.file;
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
  parseDuration(command.flags.timeout, "timeout"); // refuse a bad --timeout before deploying
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const options = { forceConflicts: command.flags["force-conflicts"] === true };
  if (command.flags["dry-run"]) {
    const diff = await call(`Could not preview the deploy of ${app.name} to ${profile}`, () =>
      client.diffDeployment(tenant, app.name, profile, spec, options),
    );
    if (command.json) printJson(command.io, { app: app.name, tenant, ...diff });
    else command.io.stdout.write(dryRunText(diff, app.name, profile));
    return 0;
  }
  const what = `Could not deploy ${app.name} to ${profile}`;
  const accepted = await call(what, () =>
    client.deployApp(tenant, app.name, profile, spec, options).catch((error: unknown) => {
      throw hostnameRefusal(error, what) ?? error;
    }),
  );
  const overrides = overridesText(accepted.overrides ?? []);
  if (overrides && !command.json) command.io.stderr.write(`Fields loco.toml and a command both set:\n${overrides}`);
  return reportDeployment(command, client, { tenant, profile, app: app.name }, accepted, "Deployment");
}
