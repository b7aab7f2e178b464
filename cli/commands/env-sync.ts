import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, usageError } from "../cli-error.ts";
import type { EnvView } from "../client/api-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { envSyncCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { formatPlan, planEnvSync, planIsEmpty, planRequests } from "../env-sync-plan.ts";
import { printJson } from "../output.ts";
import { parseDotEnv } from "../project/dotenv.ts";
import { appTarget } from "../project/project.ts";

export async function run(command: ContextOf<typeof envSyncCommand>): Promise<number> {
  const source = command.args.file ?? ".env";
  const path = resolve(command.cwd, source);
  if (!existsSync(path)) {
    throw new CliError({
      code: "usage",
      what: `No ${source} here`,
      why: `${path} does not exist.`,
      fix: "Pass the path of the .env file to push: `loco env sync path/to/.env`.",
    });
  }
  const parsed = parseDotEnv(readFileSync(path, "utf8"));
  if (!parsed.ok) {
    throw usageError(
      `Could not read ${source}`,
      parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join("; "),
      `Fix those lines of ${source} (NAME=value, one per line).`,
    );
  }
  const secretKeys = new Set(
    String(command.flags.secret ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const notInFile = [...secretKeys].filter((name) => !parsed.vars.has(name));
  if (notInFile.length) {
    throw usageError(
      "Unknown secret keys",
      `--secret names ${notInFile.join(", ")}, which ${notInFile.length === 1 ? "is" : "are"} not in ${source}.`,
      `Name keys of ${source} in --secret (comma-separated).`,
    );
  }
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const current = await call(`Could not read the environment of ${app} (${profile})`, () =>
    client.getEnv(tenant, app, profile),
  );
  const plan = planEnvSync(parsed.vars, current, { secretKeys, prune: command.flags.prune === true });
  const dryRun = command.flags["dry-run"] === true;
  const apply = !dryRun && !planIsEmpty(plan);
  if (!command.json) {
    const out = dryRun ? command.io.stdout : command.io.stderr;
    for (const line of formatPlan(plan, source)) out.write(`${line}\n`);
  }
  let env: EnvView = current;
  if (apply) {
    for (const request of planRequests(plan, parsed.vars)) {
      env = await call(`Could not sync the environment of ${app} (${profile})`, () =>
        client.setEnv(tenant, app, profile, request),
      );
    }
  }
  if (command.json) {
    printJson(command.io, { app, tenant, profile, plan, applied: apply, env });
    return 0;
  }
  if (dryRun) command.io.stdout.write("Dry run: nothing was changed.\n");
  else if (!apply) command.io.stdout.write(`${app} (${profile}) already matches ${source}.\n`);
  else command.io.stdout.write(`Synced ${source} to ${app} (${profile}); the App rolls out with it.\n`);
  return 0;
}
