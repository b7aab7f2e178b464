// The built `loco` binary for end-to-end tests: bundled once per state of the sources by the project's own
// build step (hack/build-cli.ts, as `npm run build` does) into dist/.e2e-cli-<digest>/ — the layout of the
// shipped dist/cli/main.js, under the gitignored dist/ so Node finds node_modules — then run as a child process
// with a temp HOME, its own environment and stdin, never sharing the test's process.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bundleCli } from "../../hack/build-cli.ts";

const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SOURCE_FOLDERS = ["cli", "crds", "api", "operator", "db"];

/** A digest of every source file's path, size and modification time: a new build whenever one changes. */
function sourceDigest(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        const stat = statSync(path);
        hash.update(`${relative(repo, path)}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(join(repo, folder));
  hash.update(statSync(join(repo, "hack", "build-cli.ts")).mtimeMs.toString());
  return hash.digest("hex").slice(0, 12);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds the CLI (once; test files running at the same time wait for the same build) and resolves to the path
 * of its main.js: the bundle users run (type errors are the typecheck's to find, not this build's).
 */
export async function buildCli(): Promise<{ main: string; buildMs: number }> {
  const dir = join(repo, "dist", `.e2e-cli-${sourceDigest()}`);
  const main = join(dir, "cli", "main.js");
  const done = join(dir, ".built");
  const lock = `${dir}.lock`;
  const started = performance.now();
  // A fresh clone has no dist/ yet: without it every attempt to take the lock would fail as if it were taken.
  mkdirSync(join(repo, "dist"), { recursive: true });
  for (;;) {
    if (existsSync(done)) return { main, buildMs: performance.now() - started };
    try {
      mkdirSync(lock, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // Another file is building it; a lock older than 5 minutes is a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true });
      await sleep(500);
    }
  }
  try {
    if (existsSync(done)) return { main, buildMs: performance.now() - started };
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      await bundleCli(dir);
    } catch (error) {
      throw new Error(`Building the loco CLI failed:\n${error instanceof Error ? error.message : String(error)}`);
    }
    if (!existsSync(main)) throw new Error(`Building the loco CLI produced no ${main}`);
    writeFileSync(done, new Date().toISOString());
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  // Builds of earlier states of the sources are of no further use (after an hour, so no run still uses one).
  for (const entry of readdirSync(join(repo, "dist"))) {
    const path = join(repo, "dist", entry);
    if (entry.startsWith(".e2e-cli-") && path !== dir && !entry.endsWith(".lock")) {
      if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    }
  }
  return { main, buildMs: performance.now() - started };
}

export interface LocoResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface LocoOptions {
  home: string;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

/** The environment of a user's shell: a HOME of its own, nothing of the test's LOCO_* or CI settings. */
export function locoEnv(options: Pick<LocoOptions, "home" | "env">): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.home,
    LANG: "C.UTF-8",
    ...options.env,
  };
}

export class Loco {
  readonly main: string;
  constructor(main: string) {
    this.main = main;
  }

  /** Starts `loco <args>`; the caller reads its streams and waits for it. */
  spawn(args: string[], options: LocoOptions): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, [this.main, ...args], {
      cwd: options.cwd ?? options.home,
      env: locoEnv(options),
      stdio: "pipe",
    });
  }

  /** Runs `loco <args>` to its end (killed after timeoutMs), with stdin closed after options.stdin. */
  run(args: string[], options: LocoOptions): Promise<LocoResult> {
    const started = performance.now();
    const child = this.spawn(args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.end(options.stdin ?? "");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(
            `loco ${args.join(" ")} did not finish in ${options.timeoutMs ?? 120_000} ms\n${stdout}\n${stderr}`,
          ),
        );
      }, options.timeoutMs ?? 120_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      });
    });
  }
}

/** Text of a result for assertion messages. */
export const shown = (result: LocoResult) =>
  `exit ${result.code} after ${Math.round(result.ms)} ms\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
