// When to try a failed delivery again: exponential backoff with jitter, capped. Pure (the random draw is passed in)
// so the schedule has its own test. Jitter keeps many webhooks that failed together (a receiver's outage) from
// retrying in lockstep.

export interface RetryPolicy {
  /** Attempts in all, the first included; after the last one fails the delivery is given up (failed). */
  maxAttempts: number;
  /** Delay before the second attempt; each later one doubles it. */
  baseMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

/** Ten attempts over about an hour and a half: 10 s, 20 s, 40 s … capped at one hour. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseMs: 10_000, maxDelayMs: 3_600_000 };

/**
 * The delay after attempt `attempt` (1 = the first) failed, or undefined when no attempt is left. "Equal jitter": half
 * of the exponential delay is kept, the other half drawn at random, so retries spread out but never come early.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const exponential = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}
