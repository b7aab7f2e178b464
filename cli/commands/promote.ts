import { usageError } from "../cli-error.ts";
import { type Promoted, promoteRelease } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { promoteCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { reportDeployment } from "../deploy-report.ts";
import { parseDuration } from "../duration.ts";
import { printJson } from "../output.ts";

/** What was carried, for people: the release, the image (and whether a tag could move), the secrets by key. */
export function promotionLines(app: string, from: string, to: string, promoted: Promoted): string[] {
  const lines = [
    `Promoting release ${promoted.source.release} of ${app} from ${from} to ${to}${promoted.release === null ? "" : ` as release ${promoted.release}`}.`,
    promoted.pinned
      ? `  image ${promoted.image} (pinned by digest)`
      : `  image ${promoted.image} (by tag: the exact image is what the tag names now; deploy by digest to pin it)`,
  ];
  const secrets = Object.keys(promoted.secrets).sort();
  if (secrets.length > 0) lines.push(`  secret versions carried: ${secrets.join(", ")}`);
  if (promoted.overridden.length > 0)
    lines.push(`  kept ${to}'s own values (set there with loco env/secrets): ${promoted.overridden.join(", ")}`);
  return lines;
}

export async function run(command: ContextOf<typeof promoteCommand>): Promise<number> {
  const app = command.args.app as string;
  const { from, to } = command.flags;
  if (!from || !to) {
    throw usageError(
      `Could not promote ${app}`,
      `--${from ? "to" : "from"} was not given.`,
      "Name both profiles: `loco promote <app> --from dev --to prod`.",
    );
  }
  parseDuration(command.flags.timeout, "timeout");
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const promoted = await call(`Could not promote ${app} from ${from} to ${to}`, () =>
    promoteRelease(client, tenant, app, from, to),
  );
  if (command.json && !command.flags.wait) {
    const { events: _events, overrides: _overrides, ...rest } = promoted;
    printJson(command.io, { app, tenant, from, to, ...rest });
    return 0;
  }
  if (!command.json) command.io.stderr.write(`${promotionLines(app, from, to, promoted).join("\n")}\n`);
  return reportDeployment(command, client, { tenant, profile: to, app }, promoted, "Promotion: deployment");
}
