import { call, session } from "../client/session.ts";
import type { profileLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof profileLsCommand>): Promise<number> {
  const { client } = session(command);
  const profiles = await call("Could not list profiles", () => client.all((cursor) => client.listProfiles(cursor)));
  const items = profiles.map((p) => ({
    ...p,
    ready: p.conditions.find((c) => c.type === "Ready")?.status ?? "Unknown",
  }));
  if (command.json) {
    printJson(command.io, { items });
    return 0;
  }
  if (items.length === 0) {
    command.io.stdout.write(
      "No profiles yet. A platform admin creates them: a Profile object applied with kubectl, or PUT /v1/profiles/<name>.\n",
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["name", "ready", "domain"],
      items.map((p) => [p.name, p.ready, String(p.spec.domain ?? "-")]),
    ),
  );
  return 0;
}
