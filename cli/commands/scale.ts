import { usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { scaleCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { appTarget } from "../project/project.ts";
import { appOutput } from "./ls.ts";

export async function run(command: ContextOf<typeof scaleCommand>): Promise<number> {
  const replicas = command.flags.replicas;
  const cpu = command.flags.cpu;
  const memory = command.flags.memory;
  if (replicas === undefined && cpu === undefined && memory === undefined) {
    throw usageError(
      "Nothing to scale",
      "None of --replicas, --cpu or --memory was given.",
      "Pass at least one, such as --replicas 3.",
    );
  }
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    throw usageError(
      "Invalid --replicas",
      `${replicas} is not a whole number ≥ 0.`,
      "Pass a whole number, such as --replicas 3.",
    );
  }
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const body = {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
  };
  const scaled = appOutput(
    await call(`Could not scale ${app} (${profile})`, () => client.scaleApp(tenant, app, profile, body)),
  );
  if (command.json) printJson(command.io, scaled);
  else {
    const resources = (scaled.spec.resources ?? {}) as { cpu?: string; memory?: string };
    const parts = [
      scaled.spec.replicas !== undefined
        ? `${scaled.spec.replicas} replica${scaled.spec.replicas === 1 ? "" : "s"}`
        : undefined,
      resources.cpu ? `cpu ${resources.cpu}` : undefined,
      resources.memory ? `memory ${resources.memory}` : undefined,
    ].filter(Boolean);
    command.io.stdout.write(`Scaled ${app} (${profile}): ${parts.join(", ")}.\n`);
  }
  return 0;
}
