// One analysis check of a canary (ADR 0010): the PromQL loco builds from the step's analysis and the canary's scope,
// and the verdict on the numbers that come back. The selector is always loco's: tenant, namespace and the App the
// pods are the canary of, by equality, so a check can only read that canary's own series — a `query` check's
// {{selector}} is filled with the same matchers. Too little traffic, an empty result or a missing answer is
// inconclusive: the step holds; a check never passes or fails on data it does not have.
import type { Analysis } from "../../../../crds/app-rollout.ts";
import { APP_TRAFFIC_METRIC, promString, STATUS_LABEL, TRAFFIC_LABELS } from "../../../../crds/app-traffic.ts";
import { parseDuration } from "../../../../crds/common.ts";
import type { CheckOutcome } from "./rollout-machine.ts";

export interface CanaryScope {
  tenant: string;
  namespace: string;
  app: string;
}

/** The canary's series matchers, braces included. */
export function canarySelector(scope: CanaryScope): string {
  return `{${[
    `${TRAFFIC_LABELS.tenant}=${promString(scope.tenant)}`,
    `${TRAFFIC_LABELS.namespace}=${promString(scope.namespace)}`,
    `${TRAFFIC_LABELS.canaryOf}=${promString(scope.app)}`,
  ].join(",")}}`;
}

export interface CheckQueries {
  /** Requests in the window, for minRequests (successRate and latency only). */
  requests?: string;
  /** The number the threshold applies to. */
  value: string;
}

/** The check's window: its interval, in whole seconds. */
const windowOf = (analysis: Analysis) => `${Math.max(1, Math.round(parseDuration(analysis.interval) / 1000))}s`;

export function checkQueries(analysis: Analysis, scope: CanaryScope): CheckQueries {
  const selector = canarySelector(scope);
  const w = windowOf(analysis);
  const count = `${APP_TRAFFIC_METRIC}_count`;
  const requests = `sum(increase(${count}${selector}[${w}]))`;
  if (analysis.successRate) {
    const errorMatchers = `${selector.slice(0, -1)},${STATUS_LABEL}=~"5.."}`;
    // No 5xx series at all is a success rate of 100%, not "no data"; no requests stays empty (0/0).
    const errors = `sum(increase(${count}${errorMatchers}[${w}]))`;
    return { requests, value: `100 * (1 - ((${errors} or ${requests} * 0) / ${requests}))` };
  }
  if (analysis.latency) {
    const q = analysis.latency.percentile / 100;
    return {
      requests,
      value: `1000 * histogram_quantile(${q}, sum by (le) (rate(${APP_TRAFFIC_METRIC}_bucket${selector}[${w}])))`,
    };
  }
  const promql = analysis.query?.promql ?? "";
  return { value: promql.split("{{selector}}").join(selector) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** The verdict on what the queries returned (undefined: no sample, or not a number). */
export function judgeCheck(
  analysis: Analysis,
  measured: { requests?: number | undefined; value: number | undefined },
): CheckOutcome {
  const interval = analysis.interval;
  if (analysis.successRate || analysis.latency) {
    const requests = measured.requests ?? 0;
    if (requests < analysis.minRequests) {
      return {
        verdict: "inconclusive",
        description: `${Math.floor(requests)} canary request(s) in the last ${interval}, fewer than the ${analysis.minRequests} a check needs`,
      };
    }
  }
  const value = measured.value;
  if (value === undefined || !Number.isFinite(value)) {
    return { verdict: "inconclusive", description: `the query returned no number for the last ${interval}` };
  }
  if (analysis.successRate) {
    const min = analysis.successRate.minPercent;
    return value < min
      ? { verdict: "fail", value, description: `success rate ${round(value)}% is below the minimum of ${min}%` }
      : { verdict: "pass", value, description: `success rate ${round(value)}% meets the minimum of ${min}%` };
  }
  if (analysis.latency) {
    const { percentile, maxMs } = analysis.latency;
    return value > maxMs
      ? {
          verdict: "fail",
          value,
          description: `p${percentile} latency ${round(value)} ms is above the maximum of ${maxMs} ms`,
        }
      : { verdict: "pass", value, description: `p${percentile} latency ${round(value)} ms is within ${maxMs} ms` };
  }
  const { max, min } = analysis.query ?? {};
  if (max !== undefined && value > max) {
    return { verdict: "fail", value, description: `query value ${round(value)} is above the maximum of ${max}` };
  }
  if (min !== undefined && value < min) {
    return { verdict: "fail", value, description: `query value ${round(value)} is below the minimum of ${min}` };
  }
  return { verdict: "pass", value, description: `query value ${round(value)} is within its threshold` };
}

/** Asks an instant query's one number: undefined for an empty result or a value that is not a number. */
export type InstantQuery = (promql: string) => Promise<number | undefined>;

/** Runs one check; a query endpoint that fails to answer makes it inconclusive (the step holds, nothing fails). */
export async function runCheck(analysis: Analysis, scope: CanaryScope, query: InstantQuery): Promise<CheckOutcome> {
  const queries = checkQueries(analysis, scope);
  try {
    const requests = queries.requests === undefined ? undefined : await query(queries.requests);
    const value = await query(queries.value);
    return judgeCheck(analysis, { requests, value });
  } catch (error) {
    return {
      verdict: "inconclusive",
      description: `the query endpoint did not answer (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
