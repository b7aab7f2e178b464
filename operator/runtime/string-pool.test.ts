import { describe, expect, it } from "vitest";
import { StringPool } from "./string-pool.ts";

describe("StringPool", () => {
  it("pools the strings of an object in place, leaving its content as it was", () => {
    const pool = new StringPool();
    const text =
      '{"apiVersion":"apps/v1","metadata":{"namespace":"acme","labels":{"app":"web"},"ownerReferences":[{"uid":"u-1"}]},"spec":{"args":["a","b"]}}';
    const first = JSON.parse(text);
    const second = JSON.parse(text);
    pool.internAll(first);
    pool.internAll(second);
    expect(second).toEqual(JSON.parse(text));
    // apiVersion, namespace, label, uid and the two args: each held once, however many objects carry them.
    expect(pool.size).toBe(6);
  });

  it("leaves out values unique to each version, long strings and a Secret's data", () => {
    const pool = new StringPool();
    pool.internAll({
      metadata: { resourceVersion: "17", creationTimestamp: "2026-12-05T23:00:00Z" },
      status: { conditions: [{ lastTransitionTime: "2026-12-05T23:00:01Z" }] },
      data: { password: "c2VjcmV0" },
      stringData: { token: "t0ken" },
      message: "x".repeat(200),
    });
    expect(pool.size).toBe(0);
  });

  it("stays bounded: a full generation is dropped once the next one fills", () => {
    const pool = new StringPool({ generationSize: 10 });
    for (let i = 0; i < 1000; i++) pool.intern(`name-${i}`);
    expect(pool.size).toBeLessThanOrEqual(20);
    // A string seen again while its generation is the previous one is kept in the current one.
    const pool2 = new StringPool({ generationSize: 2 });
    pool2.intern("a");
    pool2.intern("b");
    pool2.intern("c"); // rotates: previous {a, b}, current {c}
    expect(pool2.intern("a")).toBe("a");
    pool2.intern("d"); // rotates: previous {c, a}, current {d}
    pool2.intern("e");
    expect(pool2.size).toBe(4);
  });

  it("forgets churned values after two generations of minutes, keeping the strings seen in each", () => {
    let clock = 0;
    const pool = new StringPool({ generationMs: 120_000, now: () => clock });
    // An hour of a value that changes with every write (a new timeout, 20 a second), beside a namespace seen
    // every minute: at most two 2-minute generations of the first, and the namespace all along.
    for (let second = 0; second < 3600; second++) {
      clock = second * 1000;
      for (let i = 0; i < 20; i++) pool.intern(`${second * 20 + i}ms`);
      if (second % 60 === 0) pool.intern("acme-prod");
      expect(pool.has("acme-prod")).toBe(true);
    }
    expect(pool.size).toBeLessThanOrEqual(2 * 121 * 20 + 1);
    // Before the age limit the same hour kept 72,000 of them (up to 200,000 before the size limit forgot any).
    expect(pool.has("0ms")).toBe(false);
  });
});
