#!/usr/bin/env node
// The `loco` executable (package.json bin → dist/cli/main.js).
import { enableCompileCache } from "node:module";

// V8 keeps the compiled code of loco's modules on disk (in the OS temp folder) between runs: start-up is most of a
// short command's time. Enabled before the CLI's modules load, hence the dynamic import.
enableCompileCache();
const { runCli } = await import("./run-cli.ts");

const code = await runCli(process.argv.slice(2), { io: process, env: process.env, cwd: process.cwd() });
process.exitCode = code;
