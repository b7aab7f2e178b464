import { call, session } from "../client/session.ts";
import type { platformCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { exitCode } from "../exit-codes.ts";
import { printJson } from "../output.ts";
import { SIMULATED_NODES_NOTE } from "../views/simulated-nodes.ts";

export async function run(command: ContextOf<typeof platformCommand>): Promise<number> {
  const { context, client } = session(command);
  const platform = await call(`Could not ask ${context.server} about itself`, () => client.platform());
  const exit = platform.ready ? 0 : exitCode("unavailable");
  if (command.json) {
    printJson(command.io, { context: context.name, server: context.server, ...platform });
    return exit;
  }
  const checks = Object.entries(platform.checks);
  const lines = [
    `API:       ${context.server} (loco ${platform.version})`,
    `Ready:     ${platform.ready ? "yes" : "no"}`,
    ...checks.map(([name, state]) => `  ${name.padEnd(11)} ${state}`),
    `Console:   ${platform.console.available && platform.console.url ? platform.console.url : "not part of this version yet"}`,
    ...(platform.simulatedNodes ? [SIMULATED_NODES_NOTE] : []),
  ];
  const failing = checks.filter(([, state]) => state === "failing").map(([name]) => name);
  if (failing.length > 0) {
    lines.push(
      `Failing: ${failing.join(", ")}. The API keeps retrying; whoever runs it should check ${failing.length > 1 ? "those" : "that"} first.`,
    );
  }
  command.io.stdout.write(`${lines.join("\n")}\n`);
  return exit;
}
