// Compiles one entry point of loco (and what it imports) to JavaScript with the production build's settings, as the
// image's dist/ holds it: benchmarks time and weigh what users run, not Node's type stripping of the sources.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const root = join(import.meta.dirname, "..");

/** Compiles `entry` (a path under the repository) into dist/.bench-<name>; answers the compiled entry's path. */
export function compileEntry(name: string, entry: string): string {
  const out = join(root, "dist", `.bench-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tsconfig = join(out, "tsconfig.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, "tsconfig.build.json"),
      compilerOptions: { outDir: out, rootDir: root, sourceMap: false },
      include: [],
      files: [entry],
    }),
  );
  const build = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig], {
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
  return join(out, relative(root, entry).replace(/\.ts$/, ".js"));
}
