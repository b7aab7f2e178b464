// What platform admins may tune about Pipelines and Runs (flags of loco-operator), with the defaults.

export interface BatchSettings {
  /** Shortest and longest timeout a task, Pipeline or Run may ask for. */
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Wait before the first retry of a failed task attempt; doubles per attempt up to retryMaxDelayMs. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** A trigger slot noticed later than this is "missed" (the operator was down): policy Skip drops it. */
  missedSlotToleranceMs: number;
  /**
   * Shortest time a trigger may leave between Runs (an interval's `every`, the closest two fire times of a cron
   * schedule). Pipelines below it get Ready=False with reason TriggerTooFrequent and fire nothing.
   */
  minTriggerIntervalMs: number;
  /**
   * Pod annotation keys (exact, or a prefix ending in `*`) every task may set, on top of what the namespace's
   * Profile allows (spec.runs.allowedPodAnnotations). Empty: only the Profile's.
   */
  allowedPodAnnotations: readonly string[];
  /** loco's API as Run tasks reach it, given to them as LOCO_SERVER beside the Run's credential; unset: not given. */
  apiUrl?: string | undefined;
  /** The image (holding loco's CLI, run as `node dist/cli/main.js`) that Pipeline deploy steps run in. */
  deployImage: string;
}

export const defaultBatchSettings: BatchSettings = {
  minTimeoutMs: 5 * 60_000,
  maxTimeoutMs: 8 * 3_600_000,
  retryBaseDelayMs: 10_000,
  retryMaxDelayMs: 5 * 60_000,
  missedSlotToleranceMs: 60_000,
  // Kubernetes CronJobs can't fire more often than once a minute either.
  minTriggerIntervalMs: 60_000,
  allowedPodAnnotations: [],
  deployImage: "ghcr.io/loco-dev/loco:latest",
};

/** Delay before attempt `failedAttempt + 1`: base · 2^(failedAttempt-1), capped. */
export function retryDelayMs(settings: BatchSettings, failedAttempt: number): number {
  return Math.min(settings.retryBaseDelayMs * 2 ** Math.max(0, failedAttempt - 1), settings.retryMaxDelayMs);
}
