// The operator as a real separate process against the suite's control plane, for tests that kill it.
import { inject } from "vitest";
import { type OperatorProcess, spawnOperatorProcess } from "./operator-child.ts";

export { metricSum, type OperatorProcess } from "./operator-child.ts";

/** `kubeconfig` defaults to the suite's control plane (a test with its own passes that one's). */
export function spawnOperator(
  shard: string,
  extraArgs: string[] = [],
  options: { kubeconfig?: string; env?: Record<string, string> } = {},
): Promise<OperatorProcess> {
  return spawnOperatorProcess(options.kubeconfig ?? inject("kubeconfig"), shard, extraArgs, {
    ...(options.env ? { env: options.env } : {}),
  });
}
