// Advice speaks the user's tool. What the CLI tells its user to do names a `loco` command, never a raw HTTP call
// ("list them with GET /v1/profiles"); the API's own advice, which the CLI shows as it is, may name the HTTP route
// for other clients but then names the `loco` command too. This test reads the production sources of both.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const HTTP_CALL = /\b(GET|POST|PUT|PATCH|DELETE) (\/|…)/;

/** Every non-comment line of a folder's production sources, with the line before it (a `fix:` may wrap). */
function sourceLines(folder: string): { where: string; line: string; previous: string }[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !/\.test(-d)?\.ts$/.test(entry.name))
    .flatMap((entry) => {
      const file = join(entry.parentPath, entry.name);
      const lines = readFileSync(file, "utf8").split("\n");
      return lines.map((line, i) => ({
        where: `${relative(root, file)}:${i + 1}`,
        line,
        previous: lines[i - 1] ?? "",
      }));
    })
    .filter(({ line }) => !/^\s*(\/\/|\*|\/\*)/.test(line));
}

describe("advice to users", () => {
  it("from the CLI (its fixes and printed lines) names no HTTP call", () => {
    const advice = sourceLines("cli").filter(
      ({ line, previous }) =>
        (/\bfix:/.test(line) || /\bfix:\s*$/.test(previous) || /\.write\(/.test(line)) && HTTP_CALL.test(line),
    );
    expect(advice.map(({ where, line }) => `${where}: ${line.trim()}`)).toEqual([]);
  });

  it("from the API names the loco command wherever it names an HTTP call to list, create or check something", () => {
    const advice = sourceLines("api").filter(
      ({ line }) =>
        HTTP_CALL.test(line) && /\b(list|lists|create|creates|check)\b/i.test(line) && !line.includes("`loco "),
    );
    expect(advice.map(({ where, line }) => `${where}: ${line.trim()}`)).toEqual([]);
  });
});
