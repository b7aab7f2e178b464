import { describe, expect, it } from "vitest";
import { Analysis } from "../../../../crds/app-rollout.ts";
import { canarySelector, checkQueries, judgeCheck, runCheck, stableSelector } from "./analysis-check.ts";

const scope = { tenant: "acme", namespace: "acme-prod", app: "shop" };
const parse = (input: unknown) => Analysis.parse(input);

describe("checkQueries", () => {
  it("selects only the canary's own series, by equality, with escaped values", () => {
    expect(canarySelector(scope)).toBe('{loco_tenant="acme",namespace="acme-prod",loco_canary_of="shop"}');
    expect(canarySelector({ ...scope, app: 'x"}' })).toContain('loco_canary_of="x\\"}"');
  });

  it("builds success rate, latency and user queries over the check interval", () => {
    const rate = checkQueries(parse({ successRate: { minPercent: 99 }, interval: "2m" }), scope);
    expect(rate.requests).toBe(
      'sum(increase(http_server_request_duration_seconds_count{loco_tenant="acme",namespace="acme-prod",loco_canary_of="shop"}[120s]))',
    );
    expect(rate.value).toContain('http_response_status_code=~"5.."}[120s]');
    const latency = checkQueries(parse({ latency: { percentile: 95, maxMs: 300 } }), scope);
    expect(latency.value).toMatch(
      /^1000 \* histogram_quantile\(0\.95, sum by \(le\) \(rate\(.*_bucket\{.*\}\[60s\]\)\)\)$/,
    );
    const query = checkQueries(
      parse({ query: { promql: "sum(rate(jobs_failed_total{{selector}}[5m]))", max: 1 } }),
      scope,
    );
    expect(query).toEqual({ value: `sum(rate(jobs_failed_total${canarySelector(scope)}[5m]))` });
  });
});

describe("checkQueries relative to the stable version", () => {
  it("asks the same queries of the stable pods' series, and only for a relative threshold", () => {
    expect(stableSelector(scope)).toBe('{loco_tenant="acme",namespace="acme-prod",loco_app="shop"}');
    const rate = checkQueries(parse({ successRate: { maxDropPoints: 1 }, interval: "2m" }), scope);
    expect(rate.stable?.requests).toBe(rate.requests?.replace('loco_canary_of="shop"', 'loco_app="shop"'));
    expect(rate.stable?.value).toBe(rate.value.split('loco_canary_of="shop"').join('loco_app="shop"'));
    const latency = checkQueries(parse({ latency: { maxIncreasePercent: 20 } }), scope);
    expect(latency.stable?.value).toContain('loco_app="shop"');
    expect(checkQueries(parse({ latency: { maxMs: 300 } }), scope).stable).toBeUndefined();
  });
});

describe("judgeCheck relative to the stable version", () => {
  const drop = parse({ successRate: { maxDropPoints: 1 }, minRequests: 20 });
  const slower = parse({ latency: { percentile: 95, maxIncreasePercent: 20 }, minRequests: 20 });
  it("is inconclusive when either side has too few requests or no number", () => {
    const enough = { requests: 100, value: 99 };
    expect(judgeCheck(drop, { ...enough, stable: { requests: 5, value: 99.9 } })).toMatchObject({
      verdict: "inconclusive",
      description: "5 stable request(s) in the last 1m, fewer than the 20 a comparison needs",
    });
    expect(judgeCheck(drop, { ...enough, stable: undefined }).verdict).toBe("inconclusive");
    expect(judgeCheck(drop, { ...enough, stable: { requests: 100, value: undefined } }).verdict).toBe("inconclusive");
    expect(judgeCheck(drop, { requests: 3, value: 50, stable: { requests: 100, value: 99 } }).verdict).toBe(
      "inconclusive",
    );
  });
  it("passes within the allowed drop or increase and fails beyond it, naming both values", () => {
    expect(judgeCheck(drop, { requests: 100, value: 98.5, stable: { requests: 100, value: 99.4 } }).verdict).toBe(
      "pass",
    );
    expect(judgeCheck(drop, { requests: 100, value: 97, stable: { requests: 100, value: 99.5 } })).toEqual({
      verdict: "fail",
      value: 97,
      description: "success rate 97% against the stable version's 99.5% is 2.5 points lower, more than the 1 allowed",
    });
    expect(judgeCheck(slower, { requests: 100, value: 119, stable: { requests: 100, value: 100 } }).verdict).toBe(
      "pass",
    );
    expect(judgeCheck(slower, { requests: 100, value: 121, stable: { requests: 100, value: 100 } }).description).toBe(
      "p95 latency 121 ms against the stable version's 100 ms is above the 120 ms its 20% allowance gives",
    );
  });
});

describe("judgeCheck", () => {
  const rate = parse({ successRate: { minPercent: 99 }, minRequests: 20 });
  it("is inconclusive without enough requests or without a number — never a pass or a fail", () => {
    expect(judgeCheck(rate, { requests: 3, value: 50 }).verdict).toBe("inconclusive");
    expect(judgeCheck(rate, { requests: undefined, value: undefined }).verdict).toBe("inconclusive");
    expect(judgeCheck(rate, { requests: 100, value: undefined }).verdict).toBe("inconclusive");
    expect(judgeCheck(rate, { requests: 100, value: Number.NaN }).verdict).toBe("inconclusive");
  });
  it("holds the value to the threshold and says so with both numbers", () => {
    expect(judgeCheck(rate, { requests: 100, value: 99.5 })).toMatchObject({ verdict: "pass", value: 99.5 });
    expect(judgeCheck(rate, { requests: 100, value: 91.2 })).toEqual({
      verdict: "fail",
      value: 91.2,
      description: "success rate 91.2% is below the minimum of 99%",
    });
    const latency = parse({ latency: { maxMs: 300 } });
    expect(judgeCheck(latency, { requests: 100, value: 450 }).description).toBe(
      "p99 latency 450 ms is above the maximum of 300 ms",
    );
    const query = parse({ query: { promql: "x{{selector}}", min: 1, max: 5 } });
    expect(judgeCheck(query, { value: 0.5 }).verdict).toBe("fail");
    expect(judgeCheck(query, { value: 3 }).verdict).toBe("pass");
  });
});

describe("runCheck", () => {
  it("evaluates the canary's and the stable version's queries at one instant", async () => {
    const asked: [string, string | undefined][] = [];
    const at = "2026-12-05T10:00:00.000Z";
    const outcome = await runCheck(
      parse({ successRate: { maxDropPoints: 1 } }),
      scope,
      async (promql, time) => {
        asked.push([promql, time]);
        return promql.startsWith("sum(increase") ? 100 : 99.5;
      },
      at,
    );
    expect(asked).toHaveLength(4);
    expect(asked.every(([, time]) => time === at)).toBe(true);
    expect(asked.filter(([promql]) => promql.includes('loco_app="shop"'))).toHaveLength(2);
    expect(outcome.verdict).toBe("pass");
  });

  it("counts an endpoint that does not answer as inconclusive", async () => {
    const outcome = await runCheck(
      rateAnalysis(),
      scope,
      async () => {
        throw new Error("connect ECONNREFUSED");
      },
      "2026-12-05T10:00:00.000Z",
    );
    expect(outcome.verdict).toBe("inconclusive");
    expect(outcome.description).toContain("ECONNREFUSED");
  });
});

function rateAnalysis() {
  return parse({ successRate: { minPercent: 99 } });
}
