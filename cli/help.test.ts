import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.ts";
import { completionScript } from "./completion.ts";
import { helpFor } from "./help.ts";

describe("help from the declarations", () => {
  it("lists every top-level command and group", () => {
    const text = helpFor(COMMANDS, [])!;
    for (const name of ["login", "whoami", "context", "init", "ls", "status", "profile", "token", "completion"]) {
      expect(text).toMatch(new RegExp(`^  ${name} `, "m"));
    }
  });

  it("shows a command's flags with defaults and env, and its exit codes in order", () => {
    const text = helpFor(COMMANDS, ["token", "create"])!;
    expect(text).toContain("loco token create <name> [flags]");
    expect(text).toMatch(/--role VALUE\s+Role of the token; at most yours\. \(default developer\)/);
    expect(text).toMatch(/-o, --output FORMAT/);
    const codes = [...text.split("Exit codes:")[1]!.matchAll(/^ {2}(\d) /gm)].map((m) => Number(m[1]));
    expect(codes).toEqual([0, 1, 2, 3, 5, 6]);
  });
});

describe("completion scripts", () => {
  const bash = completionScript("bash", COMMANDS);

  it("bash: parses, and completes subcommands, flags and flag choices", () => {
    const dir = mkdtempSync(join(tmpdir(), "loco-completion-"));
    writeFileSync(join(dir, "loco.bash"), bash);
    const complete = (...words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source ${join(dir, "loco.bash")}; COMP_WORDS=(loco ${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length}; _loco; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      )
        .trim()
        .split("\n");
    expect(complete("to")).toEqual(["token"]);
    expect(complete("token", "")).toEqual(["create", "ls", "revoke"]);
    expect(complete("--context", "x", "token", "create", "--r")).toEqual(["--role"]);
    expect(complete("token", "create", "--role", "")).toEqual(["viewer", "developer", "admin", "owner"]);
    expect(complete("completion", "")).toEqual(["bash", "zsh", "fish"]);
  });

  it("zsh and fish: name every command and flag", () => {
    const zsh = completionScript("zsh", COMMANDS);
    const fish = completionScript("fish", COMMANDS);
    expect(zsh).toContain("'token create')");
    expect(zsh).toContain("'--expires-in-days:Lifetime in days.'");
    expect(fish).toContain(
      "complete -c loco -n '__fish_seen_subcommand_from token; and not __fish_seen_subcommand_from create ls revoke' -a create",
    );
    expect(fish).toContain("-l output -s o -xa 'text json'");
  });
});
