// Schemathesis (from PyPI: `pip install schemathesis`) against /openapi.json, as the owner of each of two tenants,
// with every check and the stateful phase: no 5xx, no response that breaks the schema, no ignored credentials.
// (positive_data_acceptance is excluded: see below.) Skipped, saying so, when the `st` command is not installed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import { freePort, type RunningPrometheus, startPrometheus } from "../support/prometheus-server.ts";
import { startRunWithCredential } from "../support/run-credential.ts";

const schemathesis = spawnSync("st", ["--version"], { encoding: "utf8" });
const installed = schemathesis.status === 0;
if (!installed)
  process.stderr.write("Skipping the Schemathesis run: `st` is not installed (pip install schemathesis)\n");

let world: ApiWorld;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  if (!installed) return;
  // A real (empty) Prometheus behind the App metrics route, so that it answers 200 rather than "not configured".
  const port = await freePort();
  prometheus = await startPrometheus({ port });
  world = await startApiWorld("fz", { api: { args: ["--metrics-url", `http://127.0.0.1:${port}`] } });
});

afterAll(async () => {
  await world?.stop();
  await prometheus?.stop();
});

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("st", args, { env: { ...process.env, NO_COLOR: "1", COLUMNS: "200" } });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

/** One Schemathesis run over the whole API with one credential; fails the test with its report when it finds anything. */
async function fuzzAs(label: string, token: string): Promise<void> {
  const reports = mkdtempSync(join(tmpdir(), "loco-schemathesis-"));
  // An invalid body larger than the server's body limit is refused with 413 before it is validated: a
  // rejection, which Schemathesis' default list of rejection statuses lacks.
  const config = join(reports, "schemathesis.toml");
  writeFileSync(
    config,
    `[checks.negative_data_rejection]\nexpected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]\n`,
  );
  const { code, output } = await run([
    "--config-file",
    config,
    "run",
    `${world.api.url}/openapi.json`,
    "--checks",
    "all",
    // Refinements JSON Schema cannot say (unique names in keyed lists, "set at least one field") and opaque
    // cursors make some schema-valid requests rightly answer 400.
    "--exclude-checks",
    "positive_data_acceptance",
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--max-examples",
    process.env.LOCO_FUZZ_EXAMPLES ?? "10",
    "--max-time",
    process.env.LOCO_FUZZ_SECONDS ?? "100",
    "--workers",
    "1",
    "--seed",
    "20261123",
    "--request-timeout",
    "10",
    "--header",
    `Authorization: Bearer ${token}`,
    "--report-dir",
    reports,
  ]);
  writeFileSync(join(reports, "output.txt"), output);
  expect(code, `Schemathesis as ${label} (reports in ${reports}):\n${output.slice(-12_000)}`).toBe(0);
}

describe.skipIf(!installed)("Schemathesis", () => {
  it("finds no server errors, schema violations or ignored credentials, as either tenant", async () => {
    for (const tenant of world.tenants) {
      await fuzzAs(tenant.name, await world.token(tenant.members.owner));
    }
  }, 900_000);

  it("finds no server errors, schema violations or ignored credentials with a Run's credential", async () => {
    const held = await startRunWithCredential(world, world.tenants[0], "fuzz-held");
    await fuzzAs(`Run ${held.run}'s credential`, held.token);
    await held.end();
  }, 900_000);
});
