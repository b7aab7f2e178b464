// The frame of a benchmark that runs a fault or load scenario (test/support/*) at full scale: a private control plane
// with loco's CRDs, the scenario, its figures printed and written to bench/results/<name>.json beside the machine's
// load average, and exit status 1 when the scenario's own checks failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";

export const benchLog = (message: string) => process.stdout.write(`${message}\n`);
export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runScenarioBench<T extends object>(
  name: string,
  scenario: (kubeconfig: string) => Promise<T>,
  /** The figures to record (default: the whole result) and whether the scenario's checks failed. */
  judge: (result: T) => { figures?: object; failed: boolean; notes?: string[] },
): Promise<never> {
  const dir = mkdtempSync(join(tmpdir(), `loco-bench-${name}-`));
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  let failed = true;
  try {
    await installLocoCrds(plane.kubeconfig);
    const loadBefore = loadavg()[0]!;
    const started = performance.now();
    const result = await scenario(plane.kubeconfig);
    const verdict = judge(result);
    const results = {
      ...(verdict.figures ?? result),
      durationS: round((performance.now() - started) / 1000),
      loadAverage1m: round((loadBefore + loadavg()[0]!) / 2),
    };
    benchLog(JSON.stringify(results, null, 2));
    for (const note of verdict.notes ?? []) benchLog(note);
    const resultsDir = new URL("./results/", import.meta.url).pathname;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    failed = verdict.failed;
  } finally {
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
