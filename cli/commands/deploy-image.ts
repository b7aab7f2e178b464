// `loco deploy --app <name> --image <ref>` where there is no loco.toml: the App's current spec, as loco's API has
// it, deployed again with only the image changed. A Pipeline's deploy step runs exactly this, with the Run's own
// credential, to deploy the digest an earlier task built.
import { CliError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { deployCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { hostnameRefusal } from "../deploy-refusal.ts";
import { reportDeployment } from "../deploy-report.ts";
import { parseDuration } from "../duration.ts";
import { profileFor } from "../project/project.ts";

export async function deployImage(command: ContextOf<typeof deployCommand>): Promise<number> {
  const app = command.flags.app!;
  const image = command.flags.image!;
  if (command.flags["dry-run"]) {
    throw new CliError({
      code: "usage",
      what: "--dry-run needs loco.toml",
      why: "Without loco.toml, --app and --image redeploy the App's current spec with another image; there is nothing else to preview.",
      fix: "Drop --dry-run, or run it where loco.toml is.",
    });
  }
  const profile = profileFor(command, undefined);
  parseDuration(command.flags.timeout, "timeout");
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const what = `Could not deploy ${image} to ${app} (${profile})`;
  const current = await call(what, () => client.getApp(tenant, app, profile));
  const spec: Record<string, unknown> = { ...current.spec, image };
  const accepted = await call(what, () =>
    client.deployApp(tenant, app, profile, spec, { forceConflicts: false }).catch((error: unknown) => {
      throw hostnameRefusal(error, what) ?? error;
    }),
  );
  return reportDeployment(command, client, { tenant, profile, app }, accepted, "Deployment");
}
