import { describe, expect, it } from "vitest";
import { cachedReadiness } from "./readiness.ts";

describe("cachedReadiness", () => {
  it("runs one probe for concurrent callers, answers from it for the interval, then probes again", async () => {
    let clock = 0;
    let probes = 0;
    let release: () => void = () => {};
    const readiness = cachedReadiness(
      [
        {
          name: "database",
          probe: () => {
            probes++;
            return new Promise<void>((resolve) => {
              release = resolve;
            });
          },
        },
      ],
      { ttlMs: 1000, now: () => clock },
    );
    const callers = Array.from({ length: 50 }, () => readiness.check());
    expect(probes).toBe(1);
    release();
    const results = await Promise.all(callers);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toEqual({ failed: [], causes: [], checks: ["database"] });
    clock = 999;
    await readiness.check();
    expect(probes).toBe(1);
    clock = 1000;
    const again = readiness.check();
    release();
    await again;
    expect(probes).toBe(2);
  });

  it("keeps a failure for the interval too, naming the check and its cause", async () => {
    let clock = 0;
    let probes = 0;
    const readiness = cachedReadiness(
      [
        { name: "database", probe: async () => {} },
        {
          name: "kubernetes",
          probe: async () => {
            probes++;
            throw new Error("apiserver /readyz answered 500");
          },
        },
      ],
      { ttlMs: 1000, now: () => clock },
    );
    const failed = await readiness.check();
    expect(failed).toEqual({
      failed: ["kubernetes"],
      causes: ["Error: apiserver /readyz answered 500"],
      checks: ["database", "kubernetes"],
    });
    await Promise.all([readiness.check(), readiness.check()]);
    expect(probes).toBe(1);
    clock = 1500;
    await readiness.check();
    expect(probes).toBe(2);
  });
});
