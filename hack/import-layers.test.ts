// The house's arrows run down only (cli/console → api → db, kube, crds; operator and resurrector → db, kube, crds;
// db → kube, crds; kube and crds → nothing of loco's). This test reads every import of the production folders and
// fails on an arrow that runs back up, so a shortcut becomes a design question instead of a habit.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

/** Which top-level folders each production folder may import from (itself included). */
const ALLOWED: Record<string, readonly string[]> = {
  crds: ["crds"],
  kube: ["kube"],
  db: ["db", "kube", "crds"],
  operator: ["operator", "db", "kube", "crds"],
  resurrector: ["resurrector", "db", "kube", "crds"],
  api: ["api", "db", "kube", "crds"],
  cli: ["cli", "crds"],
  console: ["console"],
};

/** Type-only imports that carry a contract across a process boundary (HTTP), not code. */
const TYPE_ONLY_ALLOWED: Record<string, readonly string[]> = { cli: ["api"], console: ["api"] };

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

const IMPORT =
  /^\s*(import|export)\s+(type\s+)?[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gm;

interface Arrow {
  file: string;
  target: string;
  typeOnly: boolean;
}

function importsOf(file: string): Arrow[] {
  const arrows: Arrow[] = [];
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const specifier = match[3] ?? match[4]!;
    arrows.push({
      file: relative(root, file),
      target: relative(root, resolve(dirname(file), specifier)),
      typeOnly: match[2] !== undefined,
    });
  }
  return arrows;
}

const topFolder = (path: string) => path.split(sep)[0]!;

function forbidden(folder: string): string[] {
  return sourceFiles(folder)
    .flatMap(importsOf)
    .filter(({ target, typeOnly }) => {
      const to = topFolder(target);
      if (ALLOWED[folder]!.includes(to)) return false;
      return !(typeOnly && TYPE_ONLY_ALLOWED[folder]?.includes(to));
    })
    .map(({ file, target }) => `${file} → ${target}`);
}

describe("import layers", () => {
  for (const folder of Object.keys(ALLOWED)) {
    it(`${folder}/ imports only from ${ALLOWED[folder]!.join(", ")}`, () => {
      expect(forbidden(folder)).toEqual([]);
    });
  }

  it("sees an arrow that runs back up (the check itself works)", () => {
    const arrows = importsOf(join(root, "operator", "operator.ts"));
    expect(arrows.some((arrow) => topFolder(arrow.target) === "db")).toBe(true);
    expect(ALLOWED.db!.includes("operator")).toBe(false);
  });
});
