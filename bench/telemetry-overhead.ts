// Telemetry overhead: the convergence of N Apps with the operator exporting traces and metrics over OTLP to a real
// OpenTelemetry Collector, against the same convergence with telemetry off (the floor) — each on a fresh control
// plane, the operator as its own process, alternating on/off runs so drift in the machine's load hits both.
//
//   npm run bench:telemetry-overhead     (BENCH_APPS=200, BENCH_ROUNDS=2)
//
// Prints its figures and writes bench/results/telemetry-overhead.json (ratio = seconds on ÷ seconds off;
// cpuRatio = operator CPU seconds on ÷ off).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { applyApps, countReady, prepareFleet } from "../test/support/fleet.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { startCollector } from "../test/support/otel-collector.ts";

const apps = Number(process.env.BENCH_APPS ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const log = (message: string) => process.stdout.write(`${message}\n`);

function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Seconds from the operator's caches being synced until every App is Ready, and the operator's CPU meanwhile. */
async function converge(otlpEndpoint: string | undefined): Promise<{ seconds: number; cpuSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), "loco-bench-otel-"));
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  try {
    await installLocoCrds(plane.kubeconfig);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(plane.kubeconfig);
    const client = await KubeClient.create(kubeConfig);
    const fleet = await prepareFleet(client, { shard: "otel", shardLabel: "loco.dev/bench-shard", apps });
    await applyApps(client, fleet.apps);
    const port = await freePort();
    const operator = spawn(
      process.execPath,
      [
        new URL("../operator/main.ts", import.meta.url).pathname,
        "--kubeconfig",
        plane.kubeconfig,
        "--no-leader-elect",
        "--health-address",
        `127.0.0.1:${port}`,
        "--log-level",
        "warn",
        ...(otlpEndpoint ? ["--otlp-endpoint", otlpEndpoint] : []),
      ],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, OTEL_SDK_DISABLED: "" } },
    );
    try {
      while (
        (await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) !== 200
      )
        await sleep(20);
      const started = performance.now();
      const cpuAtStart = processCpuSeconds(operator.pid ?? 0);
      while ((await countReady(client, fleet)) < apps) await sleep(200);
      return {
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: processCpuSeconds(operator.pid ?? 0) - cpuAtStart,
      };
    } finally {
      operator.kill("SIGTERM");
      client.close();
    }
  } finally {
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

const collector = await startCollector();
try {
  const on: { seconds: number; cpuSeconds: number }[] = [];
  const off: { seconds: number; cpuSeconds: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const withTelemetry = await converge(collector.endpoint);
    log(
      `round ${round + 1}, telemetry on:  ${withTelemetry.seconds.toFixed(2)} s, CPU ${withTelemetry.cpuSeconds.toFixed(2)} s`,
    );
    const without = await converge(undefined);
    log(`round ${round + 1}, telemetry off: ${without.seconds.toFixed(2)} s, CPU ${without.cpuSeconds.toFixed(2)} s`);
    on.push(withTelemetry);
    off.push(without);
  }
  const spans = collector.spans().filter((s) => s.name === "reconcile App").length;
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  };
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  const results = {
    apps,
    rounds,
    onSeconds: round3(median(on.map((r) => r.seconds))),
    offSeconds: round3(median(off.map((r) => r.seconds))),
    ratio: round3(median(on.map((r) => r.seconds)) / median(off.map((r) => r.seconds))),
    onCpuSeconds: round3(median(on.map((r) => r.cpuSeconds))),
    offCpuSeconds: round3(median(off.map((r) => r.cpuSeconds))),
    cpuRatio: round3(median(on.map((r) => r.cpuSeconds)) / median(off.map((r) => r.cpuSeconds))),
    spansReceived: spans,
  };
  log(
    `Telemetry overhead, ${apps} Apps: ${results.onSeconds} s on vs ${results.offSeconds} s off (ratio ${results.ratio}); operator CPU ${results.onCpuSeconds} s vs ${results.offCpuSeconds} s (ratio ${results.cpuRatio}); ${spans} reconcile spans received`,
  );
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "telemetry-overhead.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await collector.stop();
}
