// Range queries against a Prometheus-compatible query endpoint (Prometheus, OpenObserve, Thanos, Mimir, …):
// GET <base>/api/v1/query_range (GET: every one of them serves it; the queries are short, a few hundred bytes). Only the API calls it, with queries it built itself (app-traffic-queries.ts); the
// answer is reduced to numbers — no label of any series is passed on.
import { ApiError } from "../errors.ts";

export interface MetricsSource {
  /** Base URL; `/api/v1/query_range` is appended (OpenObserve: https://<host>/api/<org>/prometheus). */
  url: string;
  /** Sent as the Authorization header (e.g. `Basic …` for OpenObserve, `Bearer …`). */
  authorization?: string | undefined;
  timeoutMs: number;
}

export interface Point {
  /** Unix seconds. */
  t: number;
  /** Null where the value is not a number (no requests: a ratio or percentile of nothing). */
  v: number | null;
}

interface RangeAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { values?: [number, string][] }[] };
}

const unavailable = (message: string, cause?: unknown) =>
  new ApiError("Unavailable", `${message} Retry shortly; if it persists, ask a platform admin to check it.`, { cause });

/** One query over [start, end] by step: the points of its one series (the queries aggregate to one), or none. */
export async function queryRange(
  source: MetricsSource,
  query: string,
  window: { start: number; end: number; stepSeconds: number },
): Promise<Point[]> {
  const search = new URLSearchParams({
    query,
    start: String(window.start),
    end: String(window.end),
    step: `${window.stepSeconds}s`,
  });
  const headers: Record<string, string> = { accept: "application/json" };
  if (source.authorization) headers.authorization = source.authorization;
  let response: Response;
  try {
    response = await fetch(`${source.url.replace(/\/+$/, "")}/api/v1/query_range?${search}`, {
      headers,
      signal: AbortSignal.timeout(source.timeoutMs),
    });
  } catch (error) {
    throw unavailable("The metrics source did not answer.", error);
  }
  let answer: RangeAnswer;
  try {
    answer = (await response.json()) as RangeAnswer;
  } catch (error) {
    throw unavailable(`The metrics source answered HTTP ${response.status} without a Prometheus answer.`, error);
  }
  if (!response.ok || answer.status !== "success") {
    throw unavailable(
      `The metrics source refused the query (HTTP ${response.status}).`,
      new Error(answer.error ?? `HTTP ${response.status}`),
    );
  }
  const series = answer.data?.result ?? [];
  if (answer.data?.resultType !== "matrix" || series.length > 1) {
    throw unavailable("The metrics source answered in an unexpected shape.", new Error(JSON.stringify(answer.data)));
  }
  return (series[0]?.values ?? []).map(([t, value]) => {
    const v = Number(value);
    return { t: Number(t), v: Number.isFinite(v) ? v : null };
  });
}
