// Compiles one loco program to JavaScript with the production build's settings (tsconfig.build.json), as the
// image's dist/ holds it: benchmarks time and weigh what users run, not Node's type stripping of the sources.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

/**
 * Builds `entry` (a path in the repository) and what it imports into dist/.bench-<name> — under the repository, so
 * packages resolve as they do from dist/ — and answers the compiled entry's path.
 */
export function compiledEntry(name: string, entry: string): string {
  const out = join(root, "dist", `.bench-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Only the entry's import graph: the whole build would take minutes on a loaded machine.
  const project = {
    extends: join(root, "tsconfig.build.json"),
    compilerOptions: { outDir: out, rootDir: root, sourceMap: false },
    include: [],
    files: [join(root, entry)],
  };
  writeFileSync(join(out, "tsconfig.json"), JSON.stringify(project));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "--project", out], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  return join(out, entry.replace(/\.ts$/, ".js"));
}
