import { CliError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { openCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { browserCommand, CONSOLE_TARGETS, urlFor } from "../open-target.ts";
import { printJson } from "../output.ts";
import { appTarget } from "../project/project.ts";

export async function run(command: ContextOf<typeof openCommand>): Promise<number> {
  const target = command.args.target ?? "app";
  let context: Parameters<typeof urlFor>[1] = { env: command.env };
  if (target !== "docs") {
    const { app, profile } = target === "dashboard" ? { app: undefined, profile: undefined } : await appTarget(command);
    const { context: ctx, client } = session(command);
    const tenant = tenantOf(command, ctx);
    let appUrl: string | null | undefined;
    if (target === "app" && app && profile) {
      const view = await call(`Could not get app ${app} (${profile})`, () => client.getApp(tenant, app, profile));
      appUrl = (view as { url?: string | null }).url ?? view.status.url ?? null;
    }
    // The console is served by the API: it says where (unless LOCO_DASHBOARD_URL points elsewhere).
    let consoleUrl: string | null | undefined;
    if (CONSOLE_TARGETS.includes(target) && !command.env.LOCO_DASHBOARD_URL) {
      const platform = await call("Could not ask the API where its console is", () => client.platform());
      consoleUrl = platform.console.url;
    }
    context = { ...context, tenant, ...(app ? { app } : {}), ...(profile ? { profile } : {}), appUrl, consoleUrl };
  }
  const resolved = urlFor(target, context);
  if (!resolved.ok) {
    throw new CliError({
      code: "notFound",
      what: `Nothing to open for ${target}`,
      why: resolved.why,
      fix: resolved.fix,
    });
  }
  const url = resolved.url;
  if (command.json) {
    printJson(command.io, { target, url });
    return 0;
  }
  // Off a terminal (scripts, CI, tests) or with --print: the URL, never a browser.
  if (command.flags.print || !command.io.stdout.isTTY) {
    command.io.stdout.write(`${url}\n`);
    return 0;
  }
  const { command: program, args } = browserCommand(url, process.platform, command.env);
  const opened = await new Promise<boolean>((resolve) => {
    // Loaded here, not at the top: the shipped CLI is one bundle, and every other command would pay for it.
    const { spawn } = process.getBuiltinModule("node:child_process");
    const child = spawn(program, args, { detached: true, stdio: "ignore" });
    child.once("error", () => resolve(false));
    child.once("spawn", () => {
      child.unref();
      resolve(true);
    });
  });
  command.io.stdout.write(opened ? `Opened ${url}\n` : `${url}\n`);
  if (!opened) command.io.stderr.write(`Could not start ${program} to open it; open the URL above yourself.\n`);
  return 0;
}
