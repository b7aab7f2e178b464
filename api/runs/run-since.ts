import { ApiError } from "../errors.ts";

const SINCE = /^(\d{1,6})([smhd])$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** The time a list's `since` names: a duration back from `now` (30m, 12h, 7d) or an RFC 3339 time; else 400. */
export function runsSince(since: string, now = Date.now()): Date {
  const match = SINCE.exec(since);
  const time = match
    ? new Date(Math.max(0, now - Number(match[1]) * 1000 * SECONDS[match[2] as keyof typeof SECONDS]))
    : /^\d{4}-\d{2}-\d{2}T/.test(since)
      ? new Date(since)
      : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    throw new ApiError(
      "InvalidRequest",
      `since "${since}" is neither a duration such as 30m, 12h or 7d nor an RFC 3339 time; fix it and retry.`,
      { errors: [{ field: "query.since", message: "must be a duration (30m, 12h, 7d) or an RFC 3339 time" }] },
    );
  }
  return time;
}
