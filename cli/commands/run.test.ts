import { describe, expect, it } from "vitest";
import { COMMANDS } from "../commands.ts";
import { helpFor } from "../help.ts";
import { parseCommandLine } from "../parse.ts";
import type { RunWatchState } from "../views/run-model.ts";
import { exitForCommand, pairs } from "./run.ts";

const parse = (argv: string[]) => parseCommandLine(argv, COMMANDS, {});

describe("loco run's command line", () => {
  it("takes the words after -- as the command, even ones that look like loco's flags", () => {
    const parsed = parse(["run", "--app", "web", "--", "sh", "-c", "exit 3", "--help"]);
    if (parsed.kind !== "run") throw new Error(`expected a command, got ${parsed.kind}`);
    expect(parsed.command.path).toEqual(["run"]);
    expect(parsed.lists.command).toEqual(["sh", "-c", "exit 3", "--help"]);
    expect(parsed.flags.app).toBe("web");
  });

  it("still finds the subcommands, and shows the command's help and the subcommands without --", () => {
    const start = parse(["run", "start", "ci"]);
    expect(start.kind === "run" && start.command.path).toEqual(["run", "start"]);
    expect(parse(["run"])).toEqual({ kind: "help", path: ["run"] });
    const help = helpFor(COMMANDS, ["run"])!;
    expect(help).toContain("loco run");
    expect(help).toContain("run start");
    expect(help).toContain("run logs");
  });

  it("says a word before -- is an unknown subcommand, suggesting one or the -- form", () => {
    expect(() => parse(["run", "strat", "ci"])).toThrow(/Unknown command "run strat"/);
    try {
      parse(["run", "echo", "hi"]);
      throw new Error("expected a usage error");
    } catch (error) {
      expect((error as { fix: string }).fix).toContain("loco run -- echo");
    }
  });

  it("reads -it as --interactive --tty, not -i plus --tenant", () => {
    const parsed = parse(["run", "-it", "--", "sh"]);
    expect(parsed.kind === "run" && parsed.flags).toMatchObject({ interactive: true, tty: true });
    expect(parsed.kind === "run" && parsed.flags.tenant).toBeUndefined();
  });

  it("refuses a malformed --env, naming it", () => {
    expect(pairs("env", ["A=1", "B=x=y"])).toEqual([
      ["A", "1"],
      ["B", "x=y"],
    ]);
    expect(() => pairs("env", ["NOVALUE"])).toThrow(/Invalid --env NOVALUE/);
  });
});

describe("exitForCommand", () => {
  const state = (phase: RunWatchState["phase"], task: Partial<RunWatchState["tasks"][number]> = {}) =>
    ({ phase, tasks: [{ name: "run-task", state: "Failed", ...task }] }) as unknown as RunWatchState;

  it("is the command's own exit code, 0 on success", () => {
    expect(exitForCommand(state("Succeeded", { state: "Succeeded", exitCode: 0 }))).toBe(0);
    expect(exitForCommand(state("Failed", { exitCode: 3 }))).toBe(3);
    expect(exitForCommand(state("Failed", { exitCode: 137 }))).toBe(137);
  });

  it("is run-failed without an exit code (timed out, cancelled) and timeout when watching gave up", () => {
    expect(exitForCommand(state("Failed", { reason: "TimedOut" }))).toBe(7);
    expect(exitForCommand(state("Failed", { exitCode: 0, reason: "UserCancelled" }))).toBe(7);
    expect(exitForCommand(state("TimedOut", { state: "Running" }))).toBe(5);
  });
});
