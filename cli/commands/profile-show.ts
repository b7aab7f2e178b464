import { call, session } from "../client/session.ts";
import type { profileShowCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof profileShowCommand>): Promise<number> {
  const { client } = session(command);
  const name = command.args.name;
  const profile = await call(`Could not read profile ${name}`, () => client.getProfile(name));
  const ready = profile.conditions.find((c) => c.type === "Ready");
  const view = {
    name: profile.name,
    ready: ready?.status ?? "Unknown",
    spec: profile.spec,
    conditions: profile.conditions,
  };
  if (command.json) {
    printJson(command.io, view);
    return 0;
  }
  const out = command.io.stdout;
  out.write(`Profile: ${view.name}\nReady:   ${view.ready}${ready?.reason ? ` (${ready.reason})` : ""}\n`);
  if (ready?.message) out.write(`         ${ready.message}\n`);
  if (profile.conditions.length > 0) {
    out.write(
      `\n${table(
        ["condition", "status", "reason", "message"],
        profile.conditions.map((c) => [c.type, c.status, c.reason ?? "", c.message ?? ""]),
      )}`,
    );
  }
  out.write(`\nSpec:\n${JSON.stringify(profile.spec, null, 2)}\n`);
  return 0;
}
