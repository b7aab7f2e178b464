// `npx loco` in a clone, as the getting-started page runs it: from docs/examples, in a shell whose PATH has only the
// machine's own npm and Node (the system Node may be older than 24), a fresh HOME (so a fresh npx cache), and no
// build step — the copy of the clone has no dist/ and must still have none afterwards. npm runs the package's own
// bin (bin/loco.js) and puts the clone's node_modules/.bin, with the project's Node 24, ahead of the system Node.
// Then the same bin from an installed package (under node_modules/), which must take the compiled dist/ instead.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const temporary: string[] = [];
const temporaryDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** The folders of a user's shell PATH: the test runner's, without any node_modules/.bin that npm or vitest added. */
const userPathDirs = (process.env.PATH ?? "/usr/bin:/bin")
  .split(delimiter)
  .filter((dir) => dir !== "" && !dir.endsWith(join("node_modules", ".bin")));

function whichNpx(): string {
  for (const dir of userPathDirs) if (existsSync(join(dir, "npx"))) return join(dir, "npx");
  throw new Error(`No npx on PATH (${userPathDirs.join(delimiter)}): this test runs loco as a user does, with npx.`);
}

/**
 * A copy of the clone as `git clone` would give it — the files git tracks plus new ones it does not ignore, from
 * the working tree — with the project's node_modules linked in (as after `npm install`). Nothing ignored, so no
 * dist/.
 */
function copyOfClone(): string {
  const copy = join(temporaryDir("loco-npx-"), "loco");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repo,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(repo, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(repo, file), join(copy, file));
  }
  execFileSync("ln", ["-s", realpathSync(join(repo, "node_modules")), join(copy, "node_modules")]);
  return copy;
}

describe("npx loco in a clone", () => {
  let clone: string;
  let run: (args: string[]) => { status: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    clone = copyOfClone();
    const npx = whichNpx();
    const home = temporaryDir("loco-npx-home-");
    const env = {
      PATH: [...new Set([dirname(npx), "/usr/local/bin", "/usr/bin", "/bin"])].join(delimiter),
      HOME: home,
      // npm's own check for a newer npm asks the registry; nothing of loco's needs the network.
      npm_config_update_notifier: "false",
    };
    run = (args) =>
      spawnSync(npx, ["loco", ...args], {
        cwd: join(clone, "docs", "examples"),
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
  });

  it("prints the help from docs/examples", () => {
    const result = run(["--help"]);
    expect(result.status, result.stderr).toBe(0);
    // Exactly what the CLI prints when its sources are run directly: npx ran loco, not something else named so.
    const direct = spawnSync(process.execPath, [join(clone, "bin", "loco.js"), "--help"], { encoding: "utf8" });
    expect(direct.status).toBe(0);
    expect(result.stdout).toBe(direct.stdout);
    expect(result.stdout).toContain("loco deploy");
    expect(result.stderr).not.toContain("loco needs Node.js");
  });

  it("prints its version from docs/examples, built nothing", () => {
    const result = run(["--version"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^loco \d+\.\d+\.\d+\n$/);
    expect(existsSync(join(clone, "dist"))).toBe(false);
  });
});

describe("the installed package's loco", () => {
  /** An installed package's layout: bin/loco.js and the sources under node_modules/loco, with or without dist/. */
  function installed(withDist: boolean): string {
    const pkg = join(temporaryDir("loco-installed-"), "node_modules", "loco");
    mkdirSync(join(pkg, "bin"), { recursive: true });
    mkdirSync(join(pkg, "cli"), { recursive: true });
    copyFileSync(join(repo, "bin", "loco.js"), join(pkg, "bin", "loco.js"));
    copyFileSync(join(repo, "cli", "main.ts"), join(pkg, "cli", "main.ts"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "loco", type: "module" }));
    if (withDist) {
      // Stands in for the compiled CLI: what matters here is which file the bin loads.
      mkdirSync(join(pkg, "dist", "cli"), { recursive: true });
      writeFileSync(join(pkg, "dist", "cli", "main.js"), 'process.stdout.write("compiled CLI\\n");\n');
    }
    chmodSync(join(pkg, "bin", "loco.js"), 0o755);
    return join(pkg, "bin", "loco.js");
  }

  it("runs dist/cli/main.js, not the .ts sources Node will not strip under node_modules/", () => {
    const result = spawnSync(process.execPath, [installed(true), "--version"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("compiled CLI\n");
    expect(result.status).toBe(0);
  });

  it("says in one line that a package packed without a build has no compiled CLI", () => {
    const result = spawnSync(process.execPath, [installed(false), "--version"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^loco cannot start: its compiled CLI \(.*dist\/cli\/main\.js\) is missing.*\n$/);
    expect(result.stderr.split("\n")).toHaveLength(2);
  });
});
