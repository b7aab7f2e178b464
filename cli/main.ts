#!/usr/bin/env node
// The `loco` executable (package.json bin → dist/cli/main.js).
import { runCli } from "./run-cli.ts";

const code = await runCli(process.argv.slice(2), { io: process, env: process.env, cwd: process.cwd() });
process.exitCode = code;
