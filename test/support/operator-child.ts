// The operator as a real separate process (its `loco-operator` entrypoint), for tests and benchmarks that kill it,
// restart its control plane under it, or measure its memory and file descriptors. No vitest imports: the bench/
// scripts use it too (test/support/operator-process.ts adds the suite's defaults).
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { freePort } from "../../hack/control-plane/free-port.ts";

/** The label a test's or benchmark's objects carry so that only its own operator reconciles them. */
export const SHARD_LABEL = "loco.dev/test-shard";

const entrypoint = new URL("../../operator/main.ts", import.meta.url).pathname;

export interface OperatorProcess {
  child: ChildProcess;
  healthPort: number;
  output(): string;
  metrics(): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Node's flags as the image and the chart run the operator with (charts/loco/values.yaml, operator.nodeFlags). */
export const IMAGE_OPERATOR_NODE_FLAGS = ["--max-semi-space-size=1", "--optimize-for-size"];

/** Starts `loco-operator` against `kubeconfig`, reconciling only the objects labelled with `shard`. */
export async function spawnOperatorProcess(
  kubeconfig: string,
  shard: string,
  extraArgs: string[] = [],
  options: { logFile?: string; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<OperatorProcess> {
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      entrypoint,
      "--kubeconfig",
      kubeconfig,
      "--selector",
      `${SHARD_LABEL}=${shard}`,
      "--health-address",
      `127.0.0.1:${healthPort}`,
      "--resync",
      "10m",
      ...extraArgs,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LOCO_LOG_LEVEL: process.env.LOCO_TEST_LOG ?? "info", ...options.env },
    },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
    if (options.logFile) appendFileSync(options.logFile, chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    healthPort,
    output: () => output,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${healthPort}/metrics`);
      return res.text();
    },
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Sum of a Prometheus counter's samples whose labels match `filter`. */
export function metricSum(text: string, name: string, filter: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.slice(name.length, line.lastIndexOf(" "));
    if (filter(labels)) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}
