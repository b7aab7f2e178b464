// Runs the real operator in-process against the shared control plane. Each test file passes a shard label so
// that its operator reconciles only its own Apps and Profiles (files run in parallel).
import { randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { type OperatorOptions, type RunningOperator, startOperator } from "../../operator/operator.ts";
import { createLogger, silentLogger } from "../../operator/runtime/logger.ts";

export const SHARD_LABEL = "loco.dev/test-shard";

export function newShard(): string {
  return randomBytes(4).toString("hex");
}

export function testKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  return config;
}

export function startTestOperator(shard: string, options: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: testKubeConfig(),
    log: process.env.LOCO_TEST_LOG ? createLogger("loco-operator-test", process.env.LOCO_TEST_LOG) : silentLogger,
    selector: `${SHARD_LABEL}=${shard}`,
    concurrency: 8,
    resyncMs: 0,
    ...options,
  });
}
