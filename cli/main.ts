#!/usr/bin/env node
// The `loco` CLI's entry point: package.json's bin (bin/loco.js) imports it from the sources in a clone, or
// compiled as dist/cli/main.js from an installed package; `node dist/cli/main.js` runs it directly.
// Nothing is imported statically: on an older Node a static import of an API it lacks fails before any line runs,
// with a raw SyntaxError instead of a sentence saying which Node loco needs.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `loco needs Node.js ${REQUIRED_MAJOR} or newer; this is Node.js ${process.version} (${process.execPath}). ` +
      `Install Node.js ${REQUIRED_MAJOR} LTS and run loco with it.\n`,
  );
  process.exit(1);
}

// V8 keeps the compiled code of loco's modules on disk (in the OS temp folder) between runs: start-up is most of a
// short command's time. Enabled before the CLI's modules load, hence the dynamic import.
process.getBuiltinModule("node:module").enableCompileCache();
const [{ runCli }, { processIo }] = await Promise.all([import("./run-cli.ts"), import("./process-io.ts")]);

const code = await runCli(process.argv.slice(2), { io: processIo(), env: process.env, cwd: process.cwd() });
process.exitCode = code;
