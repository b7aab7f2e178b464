// Bundles the `loco` CLI for shipping: `dist/cli/main.js` (what the package's bin runs once installed, and what the
// image's Pipeline deploy steps run) becomes a small entry plus one file holding every module a data command or
// `--help` can reach, instead of the ~20 files tsc emits for them. Start-up is most of a short command's time, and
// resolving and loading one file instead of twenty is most of what is left of it (docs/performance.md).
//
// What the bundle keeps of the sources' laziness:
// - The entry (cli/main.ts) checks the Node version and enables the compile cache before anything else loads, so
//   it stays a file of its own: V8 can only cache code compiled after that call.
// - Modules that reach Ink, React, zod or smol-toml through static imports (the interactive views, loco.toml's
//   schema) stay out of the one file and load, as in the sources, only when a command imports them. Packages stay
//   external: they are resolved from node_modules (production dependencies) at run time.
//
//   node hack/build-cli.ts [outDir]     (default dist/; `npm run build` runs it after tsc)
import { existsSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { build, type Plugin } from "rolldown";

const repo = join(import.meta.dirname, "..");

/** Packages whose load cost is worth a separate file: only the commands that need them pay for them. */
const HEAVY_PACKAGES = new Set(["ink", "react", "zod", "smol-toml"]);

const packageName = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] ?? specifier);
const isBare = (id: string) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0");

/**
 * Marks which of loco's modules reach a heavy package through static imports, once the graph is known, so that
 * the chunk grouping below can leave them out of the main file.
 */
function heavyModules(heavy: Set<string>): Plugin {
  return {
    name: "loco-heavy-modules",
    buildEnd() {
      const memo = new Map<string, boolean>();
      const reaches = (id: string, seen: Set<string>): boolean => {
        const known = memo.get(id);
        if (known !== undefined) return known;
        if (isBare(id)) return HEAVY_PACKAGES.has(packageName(id));
        if (seen.has(id)) return false;
        seen.add(id);
        const info = this.getModuleInfo(id);
        if (!info) return false;
        const result = info.importedIds.some((imported) => reaches(imported, seen));
        memo.set(id, result);
        return result;
      };
      for (const id of this.getModuleIds()) if (reaches(id, new Set())) heavy.add(id);
    },
  };
}

/**
 * Node's built-ins come through process.getBuiltinModule instead of ESM imports: an ESM import of `node:fs` builds
 * a facade that reads every export, running lazy getters that load fs/promises, readline and more (the sources
 * avoid it the same way). The bundle hoists every module's imports to the top of its file, so one module's
 * `import … from "node:fs"` would cost every command.
 */
function builtinsWithoutFacades(): Plugin {
  const named = /^import \{([^}]*)\} from "(node:[\w/]+)";$/gm;
  const whole = /^import (?:\* as )?([\w$]+) from "(node:[\w/]+)";$/gm;
  return {
    name: "loco-builtins-without-facades",
    renderChunk(code) {
      const rewritten = code
        .replace(named, (_, names: string, builtin: string) => {
          const bindings = names
            .split(",")
            .map((name) => name.trim())
            .filter(Boolean)
            .map((name) => name.replace(/^([\w$]+) as ([\w$]+)$/, "$1: $2"));
          return `const { ${bindings.join(", ")} } = process.getBuiltinModule("${builtin}");`;
        })
        .replace(
          whole,
          (_, name: string, builtin: string) => `const ${name} = process.getBuiltinModule("${builtin}");`,
        );
      if (/^import [^\n]*"node:/m.test(rewritten)) {
        throw new Error(
          "hack/build-cli.ts: a built-in import of a shape it does not rewrite is left in the CLI bundle",
        );
      }
      return { code: rewritten, map: null };
    },
  };
}

/** Bundles cli/main.ts into outDir/cli/main.js (+ outDir/cli/bundle/*.js). Resolves to the entry's path. */
export async function bundleCli(outDir: string): Promise<string> {
  const cliDir = join(outDir, "cli");
  // Chunk names carry a hash: drop the previous build's, which nothing imports any more.
  rmSync(join(cliDir, "bundle"), { recursive: true, force: true });
  const heavy = new Set<string>();
  const entry = join(repo, "cli", "main.ts");
  await build({
    input: entry,
    platform: "node",
    cwd: repo,
    logLevel: "warn",
    // node_modules stay where npm put them (the CLI's dependencies are the package's dependencies).
    external: (id) => isBare(id),
    plugins: [heavyModules(heavy), builtinsWithoutFacades()],
    onLog(level, log, handler) {
      // A command module that another command also imports statically loads with it; that is intended.
      if (log.code === "INEFFECTIVE_DYNAMIC_IMPORT") return;
      handler(level, log);
    },
    output: {
      dir: cliDir,
      format: "esm",
      entryFileNames: "main.js",
      chunkFileNames: "bundle/[name]-[hash].js",
      sourcemap: false,
      codeSplitting: {
        groups: [
          {
            name: "loco",
            test: (id: string) => !isBare(id) && !id.includes("node_modules") && !heavy.has(id) && id !== entry,
          },
        ],
      },
    },
  });
  return join(cliDir, "main.js");
}

if (import.meta.main) {
  const outDir = resolve(process.argv[2] ?? join(repo, "dist"));
  const main = await bundleCli(outDir);
  if (!existsSync(main)) throw new Error(`Bundling the loco CLI produced no ${main}`);
  process.stdout.write(`Bundled the loco CLI into ${relative(process.cwd(), main)}\n`);
}
