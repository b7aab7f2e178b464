// The docs linter: every `loco …` that README.md, a page under docs/ or a comment in docs/examples/ quotes
// parses against the command declarations — so a renamed command, a made-up flag or a flag's short form used
// twice fails here instead of in a reader's shell.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./commands.ts";
import type { CommandDefinition } from "./definition.ts";
import { checkQuoted, quotedCommands, shellWords } from "./docs-commands.ts";

const repo = join(import.meta.dirname, "..");

/** Quoted commands that wait for a command being built elsewhere; each names what it waits for. */
const PENDING: Record<string, string> = {};

function pages(): string[] {
  const found = ["README.md", "CONTRIBUTING.md"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|ya?ml|toml)$/.test(entry.name)) found.push(path);
    }
  };
  walk("docs");
  return found;
}

/** Markdown as is; in YAML and TOML only the comments, read as prose. */
function proseOf(path: string): string {
  const text = readFileSync(join(repo, path), "utf8");
  if (path.endsWith(".md")) return text;
  return text
    .split("\n")
    .map((line) => /#\s?(.*)$/.exec(line)?.[1] ?? "")
    .join("\n");
}

const check = (markdown: string, commands: readonly CommandDefinition[] = COMMANDS) =>
  quotedCommands(markdown).map((q) => ({ text: q.text, problem: checkQuoted(q, commands) ?? null }));

describe("the docs linter", () => {
  it("finds every quoted loco command in the docs parseable", () => {
    const problems: string[] = [];
    let count = 0;
    for (const path of pages()) {
      for (const quoted of quotedCommands(proseOf(path))) {
        count++;
        if (PENDING[`${path}: ${quoted.text}`]) continue;
        const problem = checkQuoted(quoted, COMMANDS);
        if (problem) problems.push(`${path}:${quoted.line}: \`${quoted.text}\` — ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    // The walk finds the docs at all (a broken walk would pass with nothing checked).
    expect(count).toBeGreaterThan(100);
  });

  it("refuses a made-up flag, an unknown command and a bad value in a code block", () => {
    const page = [
      "```sh",
      "loco logs --folow",
      "loco deploy --profile prod --wait",
      "loco deplyo",
      "LOCO_TOKEN=x loco scale --replicas three",
      "```",
    ].join("\n");
    const results = check(page);
    expect(results.map((r) => r.text)).toEqual([
      "loco logs --folow",
      "loco deploy --profile prod --wait",
      "loco deplyo",
      "loco scale --replicas three",
    ]);
    expect(results[0]!.problem).toContain("has no flag --folow");
    expect(results[1]!.problem).toBeNull();
    expect(results[2]!.problem).toContain('Unknown command "deplyo"');
    expect(results[3]!.problem).toContain('"three" is not a number');
  });

  it("reads console blocks' prompt lines only, pipes and continued lines, and skips other fences", () => {
    const page = [
      "```console",
      "$ echo secret | loco env set --secret DB_PASSWORD",
      "Set DB_PASSWORD",
      "$ loco deploy \\",
      "    --wait --timeout 5m",
      "```",
      "```yaml",
      "loco nonsense",
      "```",
    ].join("\n");
    expect(check(page)).toEqual([
      { text: "loco env set --secret DB_PASSWORD", problem: null },
      { text: "loco deploy  --wait --timeout 5m", problem: null },
    ]);
  });

  it("checks inline synopses by their command and flag names, placeholders and brackets allowed", () => {
    const page =
      "Run `loco run logs <run> [--task NAME] [-f] [--tail N]`, `loco env`, `loco token --help`, " +
      "`loco run logs <run> --taks NAME`, `loco logs -x`, `loco pipline ls` and `loco deploy --no-wait`.";
    expect(check(page).map((r) => r.problem)).toEqual([
      null,
      null,
      null,
      "loco run logs has no flag --taks.",
      "loco logs has no flag -x.",
      'Unknown command "loco pipline ls".',
      null,
    ]);
  });

  it("splits shell words as the shell would, up to a comment or a redirection", () => {
    expect(shellWords(`loco env set 'A=b c' "D=e" F= # a comment`)).toEqual([
      "loco",
      "env",
      "set",
      "A=b c",
      "D=e",
      "F=",
    ]);
    expect(shellWords("loco token create ci > token")).toEqual(["loco", "token", "create", "ci"]);
    expect(shellWords("loco run logs <run> < input")).toEqual(["loco", "run", "logs", "<run>"]);
  });
});
