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
import { join, posix, relative, resolve } from "node:path";
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

/**
 * Writes every character outside ASCII as a \u escape. Node reads a file that holds one (loco's messages have
 * "…", "—", "→") into a two-byte string, and decoding, hashing and scanning twice the bytes cost about 1 ms of
 * every command's start-up for the main file. The escapes mean the same in strings, templates, regular
 * expressions and comments (only a tagged template's raw text would differ, and the CLI has no tagged templates); an
 * astral character becomes its surrogate pair, as a regular expression without the u flag needs. Only an escape of
 * such a character (`\…`) would change meaning: the build refuses it.
 */
function asciiOnly(): Plugin {
  return {
    name: "loco-ascii-only",
    // At the end, on the files as they are written: rolldown 1.3 wrote some of a chunk's strings as they were before
    // renderChunk rewrote them.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        if (/\\[\u0080-\uffff]/.test(chunk.code)) {
          throw new Error(`hack/build-cli.ts: ${chunk.fileName} escapes a character outside ASCII; write it as \\u…`);
        }
        chunk.code = chunk.code.replace(
          /[\u0080-\uffff]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
        );
      }
    },
  };
}

/** A chunk's exports (`export { local as exported, … };`, last in the file): exported name → local binding. */
function ownBindings(code: string): Map<string, string> {
  const clause = /^export \{([^}]*)\};\s*$/m.exec(code.slice(code.lastIndexOf("\nexport {")));
  const bindings = new Map<string, string>();
  for (const part of clause?.[1]?.split(",") ?? []) {
    const [local, exported = local] = part.trim().split(/\s+as\s+/);
    if (local) bindings.set(exported!, local);
  }
  return bindings;
}

/**
 * A dynamic import of a module that the grouping put in the main file gets a facade chunk of its own, a file that
 * only re-exports from the main file (`export { y as run } from "./loco-….js"`): the entry's two imports and each
 * command's would cost a file each to resolve, read and link, about 1 ms apiece at start-up. This imports the
 * file the facade points to instead, renaming the exports as the facade did, and drops facades nothing imports.
 * A command whose module sits in the same file as the command table (most of them) is not imported at all: the
 * import becomes a promise of the file's own bindings, as the import would have resolved to them (read when the
 * promise settles, as from a module namespace).
 */
function withoutReexportFacades(): Plugin {
  const reexport = /^export \{([^}]*)\} from "(\.\/[^"]+)";$/;
  const dynamicImport = /\bimport\("(\.{1,2}\/[^"]+)"\)/g;
  return {
    name: "loco-without-reexport-facades",
    generateBundle(_options, bundle) {
      const facades = new Map<string, { target: string; names: [exported: string, local: string][] }>();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        const match = reexport.exec(chunk.code.trim());
        if (!match) continue;
        const names = match[1]!
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean)
          .map((name): [string, string] => {
            const [local, exported = local] = name.split(/\s+as\s+/);
            return [exported!, local!];
          });
        facades.set(chunk.fileName, { target: posix.join(posix.dirname(chunk.fileName), match[2]!), names });
      }
      const imported = new Set<string>();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk" || facades.has(chunk.fileName)) continue;
        for (const name of chunk.imports) imported.add(name);
        const dir = posix.dirname(chunk.fileName);
        const own = ownBindings(chunk.code);
        if (/\blocoOwnModule\d/.test(chunk.code))
          throw new Error(`hack/build-cli.ts: ${chunk.fileName} uses locoOwnModule`);
        // The file's own bindings are read in functions declared at its top level, where no local name can
        // shadow them (`const { deviceFlow } = await import(…)` inside a function would).
        const accessors: string[] = [];
        chunk.code = chunk.code.replace(dynamicImport, (whole, specifier: string) => {
          const facade = facades.get(posix.join(dir, specifier));
          if (!facade) return whole;
          if (facade.target === chunk.fileName && facade.names.every(([, exported]) => own.has(exported))) {
            const name = `locoOwnModule${accessors.length}`;
            const fields = facade.names.map(([field, exported]) => `${field}: ${own.get(exported)}`).join(", ");
            accessors.push(`function ${name}() {\n\treturn { ${fields} };\n}`);
            return `Promise.resolve().then(${name})`;
          }
          let target = posix.relative(dir, facade.target);
          if (!target.startsWith(".")) target = `./${target}`;
          const fields = facade.names.map(([field, exported]) => `${field}: m.${exported}`).join(", ");
          return `import("${target}").then((m) => ({ ${fields} }))`;
        });
        if (accessors.length) chunk.code += `\n${accessors.join("\n")}\n`;
      }
      for (const fileName of facades.keys()) if (!imported.has(fileName)) delete bundle[fileName];
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
    plugins: [heavyModules(heavy), builtinsWithoutFacades(), withoutReexportFacades(), asciiOnly()],
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
