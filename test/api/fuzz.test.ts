// Schemathesis (from PyPI: `pip install schemathesis`) against /openapi.json, as the owner of each of two tenants,
// with every check and the stateful phase: no 5xx, no response that breaks the schema, no ignored credentials.
// Each tenant's run acts with an owner API token of that tenant and is given its real names (test/support/fuzz-data.ts: an App with a deployment, a
// Pipeline with a Run, tokens, a member), so requests reach the handlers' logic instead of answering 404; at most
// a few operations may still end as "missing test data". Then every request of the first tenant's run that
// succeeded is sent again as the second tenant's owner: none may succeed (0 cross-tenant answers).
// (positive_data_acceptance is excluded: see below.) Skipped, saying so, when the `st` command is not installed.
//
// Short by default (CI). `npm run fuzz:long` sets LOCO_FUZZ_LONG=1: at least 10,000 requests in all, with more
// examples per operation and a longer stateful phase; LOCO_FUZZ_EXAMPLES and LOCO_FUZZ_SECONDS still override.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { type ApiWorld, startApiWorld } from "../support/api-world.ts";
import {
  type FuzzFigures,
  type FuzzIdentifiers,
  fuzzFigures,
  seedFuzzData,
  unexercised,
  writeConfig,
} from "../support/fuzz-data.ts";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus-server.ts";
import { startRunWithCredential } from "../support/run-credential.ts";

// pip installs `st` into ~/.local/bin, which a non-login shell may not have on PATH.
const env = { ...process.env, PATH: `${process.env.PATH}:${join(homedir(), ".local", "bin")}` };
const schemathesis = spawnSync("st", ["--version"], { encoding: "utf8", env });
const installed = schemathesis.status === 0;
if (!installed)
  process.stderr.write("Skipping the Schemathesis run: `st` is not installed (pip install schemathesis)\n");

const long = process.env.LOCO_FUZZ_LONG === "1";
const examples = process.env.LOCO_FUZZ_EXAMPLES ?? (long ? "80" : "10");
const seconds = process.env.LOCO_FUZZ_SECONDS ?? (long ? "1200" : "80");
/** Two workers in the long run: Schemathesis' own generation, not the API, is what paces it on two cores. */
const workers = process.env.LOCO_FUZZ_WORKERS ?? (long ? "2" : "1");
/** Operations allowed to end as "missing test data" (all positive cases 404). */
const MISSING_DATA_BUDGET = 5;
const MIN_LONG_REQUESTS = 10_000;

let world: ApiWorld;
let prometheus: RunningPrometheus;
const seeded: FuzzIdentifiers[] = [];

beforeAll(async () => {
  if (!installed) return;
  // A real (empty) Prometheus behind the App metrics route, so that it answers 200 rather than "not configured".
  const port = await freePort();
  prometheus = await startPrometheus({ port });
  // Loopback webhook targets are allowed so that the seeded webhooks (test/support/fuzz-data.ts) can exist.
  world = await startApiWorld("fz", {
    api: { args: ["--metrics-url", `http://127.0.0.1:${port}`, "--webhook-allow-addresses", "loopback"] },
    // The simulated node is shared by every test file: unbounded, the fuzzer's scale requests (266 replicas of
    // 0.7 CPU, seen) filled it, and another file's pod could not be scheduled for minutes.
    profileSpec: { limits: { maxReplicas: 3, maxCpu: "1", maxMemory: "1Gi" } },
  });
  for (const tenant of world.tenants) seeded.push(await seedFuzzData(world, tenant));
}, 300_000);

afterAll(async () => {
  await world?.stop();
  await prometheus?.stop();
});

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("st", args, { env: { ...env, NO_COLOR: "1", COLUMNS: "200" } });
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

/** One Schemathesis run as `ids.tenant`'s owner, with its identifiers; the figures from its reports. */
async function fuzz(
  ids: FuzzIdentifiers,
  token: string,
): Promise<{ code: number; output: string; dir: string } & FuzzFigures> {
  const dir = mkdtempSync(join(tmpdir(), "loco-schemathesis-"));
  const config = writeConfig(dir, ids, long ? "[phases.stateful]\nmax-steps = 200\n" : "");
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
    examples,
    "--max-time",
    seconds,
    "--workers",
    workers,
    "--seed",
    "20261123",
    "--request-timeout",
    "10",
    "--header",
    `Authorization: Bearer ${token}`,
    "--report",
    "json,har",
    "--report-dir",
    dir,
    "--report-json-path",
    join(dir, "fuzz.json"),
    "--report-har-path",
    join(dir, "fuzz.har"),
  ]);
  writeFileSync(join(dir, "output.txt"), output);
  return { code, output, dir, ...fuzzFigures(dir) };
}

describe.skipIf(!installed)("Schemathesis", () => {
  it(
    "finds no server errors, schema violations or ignored credentials as either tenant, reaching the handlers with real names; neither tenant can use the other's",
    async () => {
      const runs: (Awaited<ReturnType<typeof fuzz>> & { tenant: string })[] = [];
      const summaries: { summary: string; result: Awaited<ReturnType<typeof fuzz>> }[] = [];
      for (const ids of seeded) {
        const result = await fuzz(ids, ids.ownerToken);
        runs.push({ ...result, tenant: ids.tenant });
        const summary = `Schemathesis as ${ids.tenant} (reports in ${result.dir}): ${result.requests} requests, statuses ${JSON.stringify(result.statuses)}, missing test data: ${result.missingTestData.join(", ") || "none"}`;
        process.stderr.write(`${summary}\n`);
        summaries.push({ summary, result });
      }
      // Both tenants run before any verdict, so one run's finding does not hide the other's.
      for (const { summary, result } of summaries) {
        expect(result.code, `${summary}\n${result.output.slice(-12_000)}`).toBe(0);
        expect(result.serverErrors, summary).toBe(0);
        expect(result.missingTestData.length, summary).toBeLessThanOrEqual(MISSING_DATA_BUDGET);
      }
      // Every endpoint of the document was called (new ones included: nothing is listed here by hand).
      const document = (await (await world.api.call("GET", "/openapi.json")).json()) as {
        paths: Record<string, Record<string, { operationId: string }>>;
      };
      expect(
        unexercised(
          runs.flatMap((r) => r.entries),
          document.paths,
        ),
        "operations the fuzzer never called",
      ).toEqual([]);

      // Cross-tenant: what the first tenant's owner did successfully, the second tenant's owner tries on the first
      // tenant's objects. Isolation answers each like a missing object (404) or a forbidden one (403).
      const first = runs[0]!;
      const intruder = seeded[1]!.ownerToken;
      const succeeded = new Map<string, (typeof first.entries)[number]>();
      for (const entry of first.entries) {
        const url = new URL(entry.request.url);
        if (entry.response.status >= 300 || !url.pathname.startsWith(`/v1/tenants/${first.tenant}`)) continue;
        succeeded.set(`${entry.request.method} ${url.pathname}${url.search}`, entry);
      }
      const crossed: string[] = [];
      for (const [key, entry] of succeeded) {
        const url = new URL(entry.request.url);
        const response = await world.api.call(entry.request.method, `${url.pathname}${url.search}`, {
          token: intruder,
          ...(entry.request.postData?.text !== undefined
            ? { body: entry.request.postData.text, headers: { "content-type": "application/json" } }
            : {}),
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        if (response.status < 300 || response.status >= 500) crossed.push(`${key} → ${response.status}`);
      }
      const total = runs.reduce((sum, r) => sum + r.requests, 0);
      process.stderr.write(
        `Schemathesis in all: ${total} requests; cross-tenant replays: ${succeeded.size}, answered: ${crossed.length}\n`,
      );
      expect(succeeded.size, "the first tenant's run had successful requests to replay").toBeGreaterThan(20);
      expect(crossed, "requests the other tenant's owner could make on the first tenant's objects").toEqual([]);
      if (long) expect(total).toBeGreaterThanOrEqual(MIN_LONG_REQUESTS);
    },
    long ? 7_200_000 : 900_000,
  );

  it("finds no server errors, schema violations or ignored credentials with a Run's credential", async () => {
    // A Run's credential may only read and deploy the Apps its Pipeline lists: everything else must be refused
    // cleanly (401/403/404), never a 5xx nor an answer that breaks the schema.
    const held = await startRunWithCredential(world, world.tenants[0], "fuzz-held");
    try {
      const result = await fuzz(seeded[0]!, held.token);
      const summary = `Schemathesis with Run ${held.run}'s credential (reports in ${result.dir}): ${result.requests} requests, statuses ${JSON.stringify(result.statuses)}`;
      process.stderr.write(`${summary}\n`);
      expect(result.code, `${summary}\n${result.output.slice(-12_000)}`).toBe(0);
      expect(result.serverErrors, summary).toBe(0);
    } finally {
      await held.end();
    }
  }, 900_000);
});
