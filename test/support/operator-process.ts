// The operator as a real separate process (its `loco-operator` entrypoint), for tests that kill it.
import { type ChildProcess, spawn } from "node:child_process";
import { inject } from "vitest";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { SHARD_LABEL } from "./operator.ts";

const entrypoint = new URL("../../operator/main.ts", import.meta.url).pathname;

export interface OperatorProcess {
  child: ChildProcess;
  healthPort: number;
  output(): string;
  metrics(): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `kubeconfig` defaults to the suite's control plane (a test with its own passes that one's). */
export async function spawnOperator(
  shard: string,
  extraArgs: string[] = [],
  options: { kubeconfig?: string } = {},
): Promise<OperatorProcess> {
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      entrypoint,
      "--kubeconfig",
      options.kubeconfig ?? inject("kubeconfig"),
      "--selector",
      `${SHARD_LABEL}=${shard}`,
      "--health-address",
      `127.0.0.1:${healthPort}`,
      "--resync",
      "10m",
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LOCO_LOG_LEVEL: process.env.LOCO_TEST_LOG ?? "info" } },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
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
