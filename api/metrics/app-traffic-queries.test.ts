// The metrics page's queries: every selector pinned to the caller's tenant, namespace and App by equality, values
// escaped as PromQL strings, and the window's bounds.
import { describe, expect, it } from "vitest";
import { appTrafficQueries, MAX_POINTS, promString, queryWindow, scopeMatchers } from "./app-traffic-queries.ts";

const scope = { tenant: "acme", namespace: "acme-prod", app: "shop" };

describe("appTrafficQueries", () => {
  it("puts the tenant, namespace and App matchers into every selector of every query", () => {
    const queries = appTrafficQueries(scope, 120);
    expect(Object.keys(queries).sort()).toEqual([
      "errorRatio",
      "latencyP50",
      "latencyP95",
      "latencyP99",
      "requestRate",
    ]);
    for (const query of Object.values(queries)) {
      const selectors = [...query.matchAll(/http_server_request_duration_seconds_(?:count|bucket)\{([^}]*)\}/g)];
      expect(selectors.length).toBeGreaterThan(0);
      // Each selector names exactly one series set: no metric name outside a matcher-pinned selector.
      expect(query.match(/http_server_request_duration_seconds/g)?.length).toBe(selectors.length);
      for (const [, matchers] of selectors) {
        expect(matchers).toContain('loco_tenant="acme",namespace="acme-prod",loco_app="shop"');
        // The only regex matcher is the fixed status class.
        expect(matchers?.replace(/,http_response_status_code=~"5\.\."$/, "")).not.toMatch(/=~|!=|!~/);
      }
    }
    expect(queries.requestRate).toBe(
      'sum(rate(http_server_request_duration_seconds_count{loco_tenant="acme",namespace="acme-prod",loco_app="shop"}[120s]))',
    );
    expect(queries.latencyP95).toMatch(/^histogram_quantile\(0\.95, sum by \(le\) \(rate\(/);
  });

  it("escapes values so that none can close the string and add a matcher", () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    const crafted = scopeMatchers({ tenant: "acme", namespace: "acme-prod", app: 'x",loco_tenant="other' });
    expect(crafted).toBe('loco_tenant="acme",namespace="acme-prod",loco_app="x\\",loco_tenant=\\"other"');
    expect(crafted.match(/(?<!\\)"/g)?.length).toBe(6);
  });
});

describe("queryWindow", () => {
  const now = Date.UTC(2026, 11, 5, 12, 0, 7);

  it("ends at the last whole step before now and spans the range, with a rate window of a step or the minimum", () => {
    expect(queryWindow("1h", undefined, now, 120)).toEqual({
      start: now / 1000 - 7 - 3600,
      end: now / 1000 - 7,
      stepSeconds: 15,
      rateWindowSeconds: 120,
    });
    expect(queryWindow("7d", undefined, now, 120)).toMatchObject({ stepSeconds: 2520, rateWindowSeconds: 2520 });
    expect(queryWindow("15m", 5, now, 10)).toMatchObject({ stepSeconds: 5, rateWindowSeconds: 10 });
  });

  it("refuses steps that are too short, give too many points or exceed the range", () => {
    expect(queryWindow("15m", 1, now, 120)).toEqual({ problem: "must be at least 5s" });
    expect(queryWindow("7d", 60, now, 120)).toMatchObject({
      problem: expect.stringContaining(`more than ${MAX_POINTS}`),
    });
    expect(queryWindow("15m", 3600, now, 120)).toMatchObject({
      problem: expect.stringContaining("longer than the range"),
    });
  });
});
