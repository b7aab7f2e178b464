// A real Prometheus server for tests: Debian's /usr/bin/prometheus (2.42; `hack/lib.sh ensure_test_tools` installs
// it) on loopback, any free port, with a temporary config and data folder, removed when it stops. It scrapes targets
// listed in a file_sd file, so targets known only later (the API's and the operator's /metrics, which start after
// the API was told where Prometheus is) are added while it runs. The scrape keeps Prometheus' default
// honor_labels: false — a target's own labels cannot overwrite the ones its scrape config gives it, which is what
// loco's App-traffic contract relies on (docs/telemetry.md).

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { eventually } from "./kube.ts";

export const PROMETHEUS = process.env.LOCO_PROMETHEUS ?? "/usr/bin/prometheus";

/** One scrape target: host:port, its path, and the labels Prometheus attaches (service discovery's, in a cluster). */
export interface ScrapeTarget {
  /** Also the `job` label. */
  job: string;
  address: string;
  path?: string;
  labels?: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  /** Replaces the scraped targets (picked up from the file_sd file within a second or so). */
  setTargets(targets: ScrapeTarget[]): void;
  /** An instant query; the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Waits until every target of these jobs was scraped successfully. */
  waitForTargets(jobs: string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(
  options: { port?: number; targets?: ScrapeTarget[]; scrapeIntervalSeconds?: number } = {},
): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(
      `No Prometheus at ${PROMETHEUS}: install Debian's prometheus package (hack/lib.sh ensure_test_tools does), or set LOCO_PROMETHEUS.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "loco-prometheus-"));
  const targetsFile = join(dir, "targets.json");
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const setTargets = (targets: ScrapeTarget[]) => {
    // One file_sd group per target; the path travels as __metrics_path__, the job as a label.
    const groups = targets.map((t) => ({
      targets: [t.address],
      labels: { ...t.labels, job: t.job, __metrics_path__: t.path ?? "/metrics" },
    }));
    // Written whole, then renamed: Prometheus never reads half a file.
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  setTargets(options.targets ?? []);
  writeFileSync(
    join(dir, "prometheus.yml"),
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      scrape_configs: [
        {
          job_name: "loco-test",
          honor_labels: false,
          file_sd_configs: [{ files: [targetsFile], refresh_interval: "1s" }],
        },
      ],
    }),
  );
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1d",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const outcome = await eventually(
      "Prometheus ready",
      async () => {
        // An exit (a taken port, a bad config) ends the wait at once rather than at the timeout.
        if (child.exitCode !== null || child.signalCode !== null) return "exited";
        const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
        return ready?.ok ? "ready" : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    if (outcome === "exited") throw new Error(`Prometheus exited (${child.exitCode ?? child.signalCode}): ${output}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const query = async (promql: string) => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== "success") throw new Error(`Prometheus refused ${promql}: ${body.error}`);
    return body.data.result;
  };
  return {
    url,
    setTargets,
    query,
    async waitForTargets(jobs, timeoutMs = 30_000) {
      await eventually(
        `targets ${jobs.join(", ")} scraped`,
        async () => {
          const up = await query("up == 1");
          const scraped = new Set(up.map((r) => r.metric.job));
          return jobs.every((job) => scraped.has(job)) ? true : undefined;
        },
        { timeoutMs, intervalMs: 250 },
      );
    },
    stop,
  };
}
