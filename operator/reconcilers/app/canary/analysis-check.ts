// One analysis check of a canary (ADR 0010): the PromQL loco builds from the step's analysis and the canary's scope,
// and the verdict on the numbers that come back. The selector is always loco's: tenant, namespace and the App the
// pods are the canary of, by equality, so a check can only read that canary's own series — a `query` check's
// {{selector}} is filled with the same matchers. Too little traffic, an empty result or a missing answer is
// inconclusive: the step holds; a check never passes or fails on data it does not have. A threshold relative to the
// stable version (maxDropPoints, maxIncreasePercent) asks the same queries of the stable pods' series (loco_app
// instead of loco_canary_of) over the same window, and needs minRequests and a number on both sides.
import type { Analysis } from "../../../../crds/app-rollout.ts";
import { APP_TRAFFIC_METRIC, promString, STATUS_LABEL, TRAFFIC_LABELS } from "../../../../crds/app-traffic.ts";
import { parseDuration } from "../../../../crds/common.ts";
import type { CheckOutcome } from "./rollout-machine.ts";

export interface CanaryScope {
  tenant: string;
  namespace: string;
  app: string;
}

/** Matchers of the scope's tenant and namespace and of `label` = its App, braces included. */
function selectorBy(scope: CanaryScope, label: string): string {
  return `{${[
    `${TRAFFIC_LABELS.tenant}=${promString(scope.tenant)}`,
    `${TRAFFIC_LABELS.namespace}=${promString(scope.namespace)}`,
    `${label}=${promString(scope.app)}`,
  ].join(",")}}`;
}

/** The canary's series matchers, braces included. */
export const canarySelector = (scope: CanaryScope): string => selectorBy(scope, TRAFFIC_LABELS.canaryOf);

/** The stable version's series matchers: the App's own pods, whose series have no loco_canary_of. */
export const stableSelector = (scope: CanaryScope): string => selectorBy(scope, TRAFFIC_LABELS.app);

export interface CheckQueries {
  /** Requests in the window, for minRequests (successRate and latency only). */
  requests?: string;
  /** The number the threshold applies to. */
  value: string;
  /** The stable version's requests and value over the same window, for a threshold relative to it. */
  stable?: { requests: string; value: string };
}

/** Whether the check compares the canary with the stable version rather than with a fixed number. */
export const isRelative = (analysis: Analysis): boolean =>
  analysis.successRate?.maxDropPoints !== undefined || analysis.latency?.maxIncreasePercent !== undefined;

/** The check's window: its interval, in whole seconds. */
const windowOf = (analysis: Analysis) => `${Math.max(1, Math.round(parseDuration(analysis.interval) / 1000))}s`;

/** The requests and the measured value (success rate or latency) of the series `selector` picks. */
function trafficQueries(analysis: Analysis, selector: string): { requests: string; value: string } {
  const w = windowOf(analysis);
  const count = `${APP_TRAFFIC_METRIC}_count`;
  const requests = `sum(increase(${count}${selector}[${w}]))`;
  if (analysis.successRate) {
    const errorMatchers = `${selector.slice(0, -1)},${STATUS_LABEL}=~"5.."}`;
    // No 5xx series at all is a success rate of 100%, not "no data"; no requests stays empty (0/0).
    const errors = `sum(increase(${count}${errorMatchers}[${w}]))`;
    return { requests, value: `100 * (1 - ((${errors} or ${requests} * 0) / ${requests}))` };
  }
  const q = (analysis.latency?.percentile ?? 99) / 100;
  return {
    requests,
    value: `1000 * histogram_quantile(${q}, sum by (le) (rate(${APP_TRAFFIC_METRIC}_bucket${selector}[${w}])))`,
  };
}

export function checkQueries(analysis: Analysis, scope: CanaryScope): CheckQueries {
  if (analysis.successRate || analysis.latency) {
    const canary = trafficQueries(analysis, canarySelector(scope));
    return isRelative(analysis) ? { ...canary, stable: trafficQueries(analysis, stableSelector(scope)) } : canary;
  }
  const promql = analysis.query?.promql ?? "";
  return { value: promql.split("{{selector}}").join(canarySelector(scope)) };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export interface Measured {
  requests?: number | undefined;
  value: number | undefined;
  /** The stable version's, for a relative threshold. */
  stable?: { requests: number | undefined; value: number | undefined } | undefined;
}

const isNumber = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

/** Why a relative check cannot conclude on the stable side, or undefined when it can. */
function stableShortfall(analysis: Analysis, stable: Measured["stable"]): string | undefined {
  const requests = stable?.requests ?? 0;
  if (requests < analysis.minRequests) {
    return `${Math.floor(requests)} stable request(s) in the last ${analysis.interval}, fewer than the ${analysis.minRequests} a comparison needs`;
  }
  if (!isNumber(stable?.value))
    return `the stable version's query returned no number for the last ${analysis.interval}`;
  return undefined;
}

/** The verdict on a threshold relative to the stable version's value, both already known to be numbers. */
function judgeRelative(analysis: Analysis, value: number, stable: number): CheckOutcome {
  if (analysis.successRate?.maxDropPoints !== undefined) {
    const allowed = analysis.successRate.maxDropPoints;
    const drop = stable - value;
    const text = `success rate ${round(value)}% against the stable version's ${round(stable)}%`;
    return drop > allowed
      ? {
          verdict: "fail",
          value,
          description: `${text} is ${round(drop)} points lower, more than the ${allowed} allowed`,
        }
      : { verdict: "pass", value, description: `${text} is within the ${allowed} point(s) allowed` };
  }
  const { percentile, maxIncreasePercent = 0 } = analysis.latency ?? {};
  const limit = stable * (1 + maxIncreasePercent / 100);
  const text = `p${percentile} latency ${round(value)} ms against the stable version's ${round(stable)} ms`;
  return value > limit
    ? {
        verdict: "fail",
        value,
        description: `${text} is above the ${round(limit)} ms its ${maxIncreasePercent}% allowance gives`,
      }
    : { verdict: "pass", value, description: `${text} is within its ${maxIncreasePercent}% allowance` };
}

/** The verdict on what the queries returned (undefined: no sample, or not a number). */
export function judgeCheck(analysis: Analysis, measured: Measured): CheckOutcome {
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
  if (!isNumber(value)) {
    return { verdict: "inconclusive", description: `the query returned no number for the last ${interval}` };
  }
  if (isRelative(analysis)) {
    const shortfall = stableShortfall(analysis, measured.stable);
    if (shortfall !== undefined) return { verdict: "inconclusive", description: shortfall };
    return judgeRelative(analysis, value, measured.stable!.value!);
  }
  if (analysis.successRate?.minPercent !== undefined) {
    const min = analysis.successRate.minPercent;
    return value < min
      ? { verdict: "fail", value, description: `success rate ${round(value)}% is below the minimum of ${min}%` }
      : { verdict: "pass", value, description: `success rate ${round(value)}% meets the minimum of ${min}%` };
  }
  if (analysis.latency?.maxMs !== undefined) {
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

/**
 * Asks an instant query's one number, evaluated at `time` (an ISO timestamp) when given: undefined for an empty
 * result or a value that is not a number.
 */
export type InstantQuery = (promql: string, time?: string) => Promise<number | undefined>;

/** Runs one check; a query endpoint that fails to answer makes it inconclusive (the step holds, nothing fails). */
export async function runCheck(
  analysis: Analysis,
  scope: CanaryScope,
  query: InstantQuery,
  /** When every query of the check is evaluated, so the canary's and the stable version's windows are the same. */
  at: string,
): Promise<CheckOutcome> {
  const queries = checkQueries(analysis, scope);
  const ask = (promql: string) => query(promql, at);
  try {
    const requests = queries.requests === undefined ? undefined : await ask(queries.requests);
    const value = await ask(queries.value);
    const stable = queries.stable
      ? { requests: await ask(queries.stable.requests), value: await ask(queries.stable.value) }
      : undefined;
    return judgeCheck(analysis, { requests, value, stable });
  } catch (error) {
    return {
      verdict: "inconclusive",
      description: `the query endpoint did not answer (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
