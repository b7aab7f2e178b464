import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.ts";
import { commandName } from "./definition.ts";
import { cliReference } from "./docs.ts";

describe("docs/cli.md", () => {
  it("is what the command declarations generate (run `npm run generate` after changing cli/commands.ts)", () => {
    expect(readFileSync(join(import.meta.dirname, "..", "docs", "cli.md"), "utf8")).toBe(cliReference());
  });

  it("documents the -o json shape of every command that prints data", () => {
    const text = cliReference();
    for (const command of COMMANDS.filter((c) => c.output)) {
      const section = text.split(`### \`${commandName(command)}\``)[1]!.split("### ")[0]!;
      expect(section, commandName(command)).toContain(command.output!.json);
    }
  });
});

describe("command declarations", () => {
  it("each loads an implementation with run()", async () => {
    for (const command of COMMANDS) expect(typeof (await command.load()).run, commandName(command)).toBe("function");
  });

  it("have unique paths and flag names", () => {
    expect(new Set(COMMANDS.map((c) => c.path.join(" "))).size).toBe(COMMANDS.length);
    for (const command of COMMANDS) {
      const names = (command.flags ?? []).map((f) => f.name);
      expect(new Set(names).size, commandName(command)).toBe(names.length);
    }
  });
});
