// When the CLI asks again by itself: the API answered 503 with a Retry-After (problem `retryAfterSeconds`) and either
// the request only reads, or the API says it did not start it (`notStarted`: a deploy shed because too many changes
// to the cluster were in progress, api/write-admission.ts). A 503 that may have changed something (the change was
// made but its audit record was not) is the user's to retry, never the CLI's. The wait is the server's, or a second
// doubled per attempt when that is longer (the server's figure counts only the line it has, not the clients it shed
// with the same answer, who all come back at once), stretched by up to half at random so that clients shed together
// spread out; the CLI gives up after RETRY_ATTEMPTS or once it would have waited RETRY_PATIENCE_MS in all. With
// every attempt at the server's 1 s, 24 deploys shed together by a one-slot line on a loaded machine used up their 5
// attempts in about 6 s, and some gave up.
import type { ApiRequestError } from "./api-client.ts";

export const RETRY_ATTEMPTS = 7;
export const RETRY_PATIENCE_MS = 120_000;

/** Milliseconds to wait before asking again, or undefined to give up (the error is then the caller's). */
export function retryDelayMs(
  error: Pick<ApiRequestError, "status" | "problem" | "method">,
  attempt: number,
  waitedMs: number,
  random: () => number = Math.random,
): number | undefined {
  if (error.status !== 503 || attempt > RETRY_ATTEMPTS) return undefined;
  const seconds = error.problem?.retryAfterSeconds;
  if (typeof seconds !== "number" || !(seconds > 0)) return undefined;
  const reads = error.method === "GET" || error.method === "HEAD";
  if (!reads && error.problem?.notStarted !== true) return undefined;
  const backoffMs = 1000 * 2 ** (attempt - 1);
  const delay = Math.round(Math.max(seconds * 1000, backoffMs) * (1 + random() / 2));
  return waitedMs + delay > RETRY_PATIENCE_MS ? undefined : delay;
}
