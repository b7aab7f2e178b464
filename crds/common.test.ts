import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  duration,
  followsTenantNameRule,
  keyedList,
  parseDuration,
  quantity,
  tenantName,
  uniqueList,
} from "./common.ts";

describe("parseDuration", () => {
  it("reads Go durations into milliseconds", () => {
    expect(parseDuration("8h")).toBe(8 * 3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("250ms")).toBe(250);
  });

  it("refuses what the schema refuses", () => {
    expect(() => parseDuration("8 hours")).toThrow(/not a duration/);
    expect(duration().safeParse("8 hours").success).toBe(false);
    expect(duration().safeParse("-5m").success).toBe(false);
  });

  it("holds durations to what Kubernetes can store (2^63-1 ns), with one issue for a value that is no duration", () => {
    expect(duration().safeParse("2562047h").success).toBe(true);
    const long = duration().safeParse("2562048h");
    expect(long.error?.issues.map((i) => i.message)).toEqual([
      "must be at most 2562047h (the longest duration Kubernetes can hold)",
    ]);
    expect(duration().safeParse("9999999999h").success).toBe(false);
    expect(duration().safeParse("soon").error?.issues).toHaveLength(1);
  });
});

describe("quantity", () => {
  it.each(["250m", "1", "0.5", "1Gi", "256Mi", "1e3", 2])("accepts %s", (value) => {
    expect(quantity().safeParse(value).success).toBe(true);
  });

  it.each(["lots", "1 Gi", "-1", "1GB", -1, 1.5])("refuses %s", (value) => {
    expect(quantity().safeParse(value).success).toBe(false);
  });
});

describe("keyedList", () => {
  const list = keyedList(z.strictObject({ name: z.string(), value: z.int() }), "name", 3);

  it("points at the second of two items with the same key", () => {
    const result = list.safeParse([
      { name: "a", value: 1 },
      { name: "a", value: 2 },
    ]);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: [1, "name"], message: '"a" appears more than once; each name must be unique' }),
    ]);
  });

  it("declares itself a list-map for the CRD", () => {
    expect(list.meta()).toMatchObject({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
  });

  it("still enforces its length", () => {
    expect(list.safeParse(Array.from({ length: 4 }, (_, i) => ({ name: `n${i}`, value: i }))).success).toBe(false);
  });
});

describe("uniqueList", () => {
  it("refuses repeated values", () => {
    const list = uniqueList(z.string(), 5);
    expect(list.safeParse(["a", "b"]).success).toBe(true);
    expect(list.safeParse(["a", "a"]).error?.issues[0]?.path).toEqual([1]);
  });
});

describe("tenantName", () => {
  it("allows lowercase letters and digits only, so that <tenant>-<profile> splits at its first '-'", () => {
    for (const name of ["acme", "acme2", "0day", "a".repeat(40)]) {
      expect(tenantName().safeParse(name).success, name).toBe(true);
      expect(followsTenantNameRule(name)).toBe(true);
    }
    for (const name of ["acme-eu", "-acme", "Acme", "acme_eu", "", "a".repeat(41)]) {
      expect(tenantName().safeParse(name).success, name).toBe(false);
      expect(followsTenantNameRule(name)).toBe(false);
    }
    expect(tenantName().safeParse("acme-eu").error?.issues[0]?.message).toMatch(/without '-'/);
  });

  it("makes tenant + profile → namespace injective: acme + eu-prod and acme-eu + prod cannot both exist", () => {
    const namespace = (tenant: string, profile: string) => `${tenant}-${profile}`;
    const split = (ns: string) => [ns.slice(0, ns.indexOf("-")), ns.slice(ns.indexOf("-") + 1)];
    expect(split(namespace("acme", "eu-prod"))).toEqual(["acme", "eu-prod"]);
    expect(followsTenantNameRule("acme-eu")).toBe(false);
  });
});
