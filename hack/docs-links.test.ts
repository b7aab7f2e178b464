// Every relative link in README.md, CHANGELOG.md, CONTRIBUTING.md and docs/ resolves inside the repository: the file exists and,
// for a #fragment into a Markdown page, so does the heading (by GitHub's anchor rule). A link out of the
// repository (../ past its root) fails too: such a page is dead in any clone.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { anchorsOf, linksOf } from "./docs-links.ts";

const repo = resolve(import.meta.dirname, "..");

function markdownFiles(repo: string): string[] {
  const found = ["README.md", "CHANGELOG.md", "CONTRIBUTING.md"].filter((f) => existsSync(join(repo, f)));
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) found.push(path);
    }
  };
  walk("docs");
  return found;
}

/** The broken links of the Markdown pages of the tree at `repo` (this repository unless told). */
function checkLinks(repo: string): { broken: string[]; checked: number } {
  const broken: string[] = [];
  let checked = 0;
  for (const file of markdownFiles(repo)) {
    const text = readFileSync(join(repo, file), "utf8");
    for (const { line, target } of linksOf(text)) {
      const [path = "", fragment] = target.split("#");
      const absolute = path === "" ? join(repo, file) : resolve(repo, dirname(file), decodeURI(path));
      const where = `${file}:${line}: ${target}`;
      checked++;
      if (relative(repo, absolute).startsWith("..")) {
        broken.push(`${where} — points outside the repository`);
        continue;
      }
      if (!existsSync(absolute)) {
        broken.push(`${where} — no such file`);
        continue;
      }
      if (fragment && statSync(absolute).isFile() && absolute.endsWith(".md")) {
        if (!anchorsOf(readFileSync(absolute, "utf8")).has(fragment)) broken.push(`${where} — no such heading`);
      }
    }
  }
  return { broken, checked };
}

describe("links in the docs", () => {
  it("all resolve inside the repository, headings included", () => {
    const { broken, checked } = checkLinks(repo);
    expect(broken).toEqual([]);
    // The walk finds the links at all (a broken walk would pass with nothing checked).
    expect(checked).toBeGreaterThan(50);
  });

  it("fails on a missing page, a missing heading and a link out of the repository", () => {
    const tree = mkdtempSync(join(tmpdir(), "loco-docs-links-"));
    try {
      mkdirSync(join(tree, "docs"));
      writeFileSync(join(tree, "README.md"), "# Home\n\nSee [the guide](docs/guide.md#install) and [home](#home).\n");
      writeFileSync(
        join(tree, "docs", "guide.md"),
        "# Guide\n\n## Setup\n\n[gone](gone.md), [design](../../shared/DESIGN.md), [setup](#setup).\n",
      );
      expect(checkLinks(tree)).toEqual({
        broken: [
          "README.md:3: docs/guide.md#install — no such heading",
          "docs/guide.md:5: gone.md — no such file",
          "docs/guide.md:5: ../../shared/DESIGN.md — points outside the repository",
        ],
        checked: 5,
      });
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });

  it("finds links and anchors as GitHub does", () => {
    expect([
      ...anchorsOf("# Exit codes\n## `loco logs` -f, again!\n```sh\n# not a heading\n```\n# Exit codes"),
    ]).toEqual(["exit-codes", "loco-logs--f-again", "exit-codes-1"]);
    expect(linksOf('See [a](a.md#x), [b](https://b.example), `[c](c.md)` and [d](../d.md "title").')).toEqual([
      { line: 1, target: "a.md#x" },
      { line: 1, target: "../d.md" },
    ]);
  });
});
