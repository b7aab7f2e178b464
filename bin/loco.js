#!/usr/bin/env node
// The `loco` executable (package.json bin). It runs the TypeScript sources (cli/main.ts) when they sit beside it —
// a clone, where `npx loco` must work with no build step — and the compiled CLI (dist/cli/main.js) otherwise —
// an installed package. Node 24 runs .ts files by stripping their types, but refuses to for files under
// node_modules/, so an installed package always takes dist/ even if it ships its sources.
//
// Plain JavaScript with nothing imported statically: on any Node it must get far enough to say which Node loco
// needs (the same sentence as cli/main.ts, which says it when `node dist/cli/main.js` is run directly).
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `loco needs Node.js ${REQUIRED_MAJOR} or newer; this is Node.js ${process.version} (${process.execPath}). ` +
      `Install Node.js ${REQUIRED_MAJOR} LTS and run loco with it.\n`,
  );
  process.exit(1);
}

// Before the CLI's first module loads, so that every module's compiled code is cached (cli/main.ts does the same
// for itself, too late for its own code).
process.getBuiltinModule("node:module").enableCompileCache();
const { existsSync } = process.getBuiltinModule("node:fs");
const { fileURLToPath } = process.getBuiltinModule("node:url");

const sources = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
if (existsSync(sources) && !/[\\/]node_modules[\\/]/.test(sources)) {
  await import("../cli/main.ts");
} else {
  const built = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
  if (!existsSync(built)) {
    process.stderr.write(
      `loco cannot start: its compiled CLI (${built}) is missing — this package was packed without ` +
        "`npm run build`. Build it in the loco folder, then pack and install it again.\n",
    );
    process.exit(1);
  }
  await import("../dist/cli/main.js");
}
