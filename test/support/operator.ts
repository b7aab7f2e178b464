// Runs the real operator in-process against the shared control plane. Each test file passes a shard label so
// that its operator reconciles only its own Apps and Profiles (files run in parallel).
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { createLogger, silentLogger } from "../../kube/logger.ts";
import { type OperatorOptions, type RunningOperator, startOperator } from "../../operator/operator.ts";
import { SHARD_LABEL } from "./operator-child.ts";

export { SHARD_LABEL };

export function newShard(): string {
  return randomBytes(4).toString("hex");
}

export function testKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return config;
}

/**
 * The test platform's batch settings, as a platform admin would set them for a kwok cluster: tasks may set the
 * annotations that steer kwok's simulated pods (docs/test-environment.md), and triggers may fire every second so
 * that tests see them fire. Tests that check those defences pass their own values.
 */
export const testBatchSettings = {
  allowedPodAnnotations: ["loco.dev/test-*"],
  minTriggerIntervalMs: 1000,
} satisfies OperatorOptions["batch"];

export function startTestOperator(shard: string, options: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: testKubeConfig(),
    log: process.env.LOCO_TEST_LOG ? createLogger("loco-operator-test", process.env.LOCO_TEST_LOG) : silentLogger,
    selector: `${SHARD_LABEL}=${shard}`,
    concurrency: 8,
    resyncMs: 0,
    ...options,
    batch: { ...testBatchSettings, ...options.batch },
  });
}
