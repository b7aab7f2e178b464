import { describe, expect, it } from "vitest";
import { CliError } from "./cli-error.ts";
import { COMMANDS } from "./commands.ts";
import { parseCommandLine } from "./parse.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(argv, COMMANDS, env);

function usageErrorOf(argv: string[]): CliError {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseCommandLine", () => {
  it("finds noun-verb commands, typed flags and defaults, wherever the global flags sit", () => {
    const parsed = parse([
      "--context",
      "prod.example.com",
      "token",
      "create",
      "ci",
      "--expires-in-days",
      "7",
      "-o",
      "json",
    ]);
    expect(parsed).toMatchObject({
      kind: "run",
      command: { path: ["token", "create"] },
      args: { name: "ci" },
      flags: { context: "prod.example.com", "expires-in-days": 7, role: "developer", output: "json" },
    });
  });

  it("falls back to the flag's environment variable, and the flag wins over it", () => {
    expect(parse(["ls"], { LOCO_PROFILE: "prod" })).toMatchObject({ flags: { profile: "prod" } });
    expect(parse(["ls", "-p", "dev"], { LOCO_PROFILE: "prod" })).toMatchObject({ flags: { profile: "dev" } });
  });

  it("answers help for --help, `help <cmd>` and a group without a verb", () => {
    expect(parse([])).toEqual({ kind: "help", path: [] });
    expect(parse(["token"])).toEqual({ kind: "help", path: ["token"] });
    expect(parse(["help", "token", "ls"])).toEqual({ kind: "help", path: ["token", "ls"] });
    expect(parse(["ls", "--help"])).toEqual({ kind: "help", path: ["ls"] });
    expect(parse(["--version"])).toEqual({ kind: "version" });
  });

  it("refuses unknown commands and flags with a suggestion, as usage errors", () => {
    const command = usageErrorOf(["tokn", "ls"]);
    expect(command.code).toBe("usage");
    expect(command.exitCode).toBe(1);
    expect(command.fix).toContain("Did you mean `loco token`?");
    expect(usageErrorOf(["token", "lss"]).fix).toContain("loco token ls");
    expect(usageErrorOf(["ls", "--outptu", "json"]).fix).toContain("Did you mean --output?");
  });

  it("refuses bad values, missing and extra arguments", () => {
    expect(usageErrorOf(["ls", "-o", "yaml"]).why).toBe('"yaml" is not one of text, json.');
    expect(usageErrorOf(["token", "create", "ci", "--expires-in-days", "soon"]).why).toBe('"soon" is not a number.');
    expect(usageErrorOf(["token", "create"]).what).toBe("Missing <name> for `loco token create`");
    expect(usageErrorOf(["whoami", "extra"]).what).toBe("Too many arguments for `loco whoami`");
    expect(usageErrorOf(["completion", "powershell"]).why).toBe('"powershell" is not one of bash, zsh, fish.');
  });

  it("collects every value of a flag that may be repeated", () => {
    const parsed = parse(["run", "start", "ci", "--param", "version=1.4.2", "--param=channel=beta", "-w"]);
    if (parsed.kind !== "run") throw new Error("expected a command");
    expect(parsed.args.pipeline).toBe("ci");
    expect(parsed.lists.param).toEqual(["version=1.4.2", "channel=beta"]);
    expect(parsed.flags.watch).toBe(true);
    const none = parse(["run", "start", "ci"]);
    expect(none.kind === "run" && none.lists.param).toEqual([]);
  });
});
