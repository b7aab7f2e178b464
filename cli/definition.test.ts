import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.ts";
import { type CommandDefinition, definitionProblems } from "./definition.ts";

const command = (flags: NonNullable<CommandDefinition["flags"]>, path = ["demo"]) => ({
  path,
  flags,
  output: { json: "{}" },
});

describe("definitionProblems", () => {
  it("finds none in loco's own commands: every short flag means one flag per command", () => {
    expect(definitionProblems(COMMANDS)).toEqual([]);
  });

  it("refuses a short flag used for two flags of one command, including -o and the global ones", () => {
    expect(
      definitionProblems([
        command([
          { name: "follow", short: "f", type: "boolean", description: "." },
          { name: "file", short: "f", type: "string", description: "." },
        ]),
      ]),
    ).toEqual(["loco demo: -f is the short form of --follow and --file."]);
    expect(definitionProblems([command([{ name: "offset", short: "o", type: "number", description: "." }])])).toEqual([
      "loco demo: -o is the short form of --offset and --output.",
    ]);
    expect(definitionProblems([command([{ name: "hours", short: "h", type: "number", description: "." }])])).toEqual([
      "loco demo: -h is the short form of --hours and --help.",
    ]);
  });

  it("lets two commands use one letter for different flags", () => {
    expect(
      definitionProblems([
        command([{ name: "follow", short: "f", type: "boolean", description: "." }], ["logs"]),
        command([{ name: "file", short: "f", type: "string", description: "." }], ["deploy"]),
      ]),
    ).toEqual([]);
  });

  it("refuses a flag name declared twice, a command declared twice, a bad short form and a default outside the choices", () => {
    expect(
      definitionProblems([
        command([
          { name: "tenant", type: "string", description: "." },
          { name: "tenant", type: "string", description: "." },
          { name: "role", short: "ro", type: "string", choices: ["a", "b"], default: "c", description: "." },
        ]),
        command([]),
      ]),
    ).toEqual([
      'loco demo: --role\'s short form "ro" is not one letter.',
      'loco demo: --role defaults to "c", which is not one of its choices.',
      "loco demo: --tenant is declared 2 times.",
      "loco demo is declared twice.",
    ]);
  });
});
