// Readiness of the API's dependencies (database, apiserver, identity provider), probed at most once per interval.
// /readyz is public and exempt from rate limits (a load balancer's health checks must not be refused because a
// client floods the same address), so its cost must not grow with its callers: concurrent callers share one probe
// in flight (single flight), and a result, good or bad, answers everyone for `ttlMs` after it was taken.

export interface ReadinessCheck {
  name: string;
  probe(): Promise<unknown>;
}

export interface ReadinessResult {
  /** Names of the checks that failed; empty when ready. */
  failed: string[];
  /** Why each failed, for the server's log. */
  causes: string[];
  checks: string[];
}

export interface Readiness {
  check(): Promise<ReadinessResult>;
}

export function cachedReadiness(checks: ReadinessCheck[], options: { ttlMs: number; now?: () => number }): Readiness {
  const now = options.now ?? Date.now;
  let last: { at: number; result: ReadinessResult } | undefined;
  let inFlight: Promise<ReadinessResult> | undefined;

  async function probe(): Promise<ReadinessResult> {
    const results = await Promise.allSettled(checks.map((check) => check.probe()));
    const failed = checks.filter((_, i) => results[i]?.status === "rejected").map((check) => check.name);
    const causes = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    return { failed, causes, checks: checks.map((check) => check.name) };
  }

  return {
    check() {
      if (last && now() - last.at < options.ttlMs) return Promise.resolve(last.result);
      inFlight ??= probe()
        .then((result) => {
          last = { at: now(), result };
          return result;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
