// The operator's validated flags (config.ts) as the options of startOperator: one mapping, used by the
// loco-operator program and by the local platform (hack/local/), which hosts the operator in its own process.

import type { KubeAccess } from "../kube/kube-access.ts";
import type { Logger } from "../kube/logger.ts";
import type { OperatorConfig } from "./config.ts";
import type { OperatorOptions } from "./operator.ts";

export function operatorOptionsOf(
  config: OperatorConfig,
  runtime: { kubeConfig: KubeAccess; log: Logger; onLostLeadership: () => void },
): OperatorOptions {
  return {
    kubeConfig: runtime.kubeConfig,
    log: runtime.log,
    concurrency: config.concurrency,
    resyncMs: config.resync,
    health: config.healthAddress,
    batch: {
      minTimeoutMs: config.minTimeout,
      maxTimeoutMs: config.maxTimeout,
      minTriggerIntervalMs: config.minTriggerInterval,
      allowedPodAnnotations: config.allowedPodAnnotations,
      deployImage: config.deployImage,
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
    },
    reconcileTimeoutMs: config.reconcileTimeout,
    taskLogs: { limitBytes: config.taskLogLimit },
    secretVersionRetention: config.secretVersions,
    ...(config.selector ? { selector: config.selector } : {}),
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.leaderElect
      ? {
          leaderElection: {
            namespace: config.leaderElectionNamespace,
            leaseName: config.leaseName,
            ...(config.podName ? { podName: config.podName } : {}),
            leaseDurationMs: config.leaseDuration,
            renewDeadlineMs: config.renewDeadline,
            retryPeriodMs: config.retryPeriod,
          },
        }
      : {}),
    onLostLeadership: runtime.onLostLeadership,
  };
}
