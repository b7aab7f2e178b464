import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { candidatePorts, ephemeralRangeStart, freePort, freePortPreferring } from "./free-port.ts";

describe("freePortPreferring", () => {
  it("keeps the preferred port while it is free and picks another once something listens on it", async () => {
    const preferred = await freePort();
    expect(await freePortPreferring(preferred)).toBe(preferred);
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(preferred, "127.0.0.1", resolve));
    try {
      const other = await freePortPreferring(preferred);
      expect(other).not.toBe(preferred);
      expect(other).toBeGreaterThan(0);
    } finally {
      holder.close();
    }
  });
});

describe("freePort", () => {
  it("hands out ports below the kernel's ephemeral range, which outgoing connections draw from", async () => {
    const start = ephemeralRangeStart();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(start);
    }
    // Chosen at random: twenty choices are not one port, nor a run of neighbours.
    expect(new Set(ports).size).toBeGreaterThan(15);
  });

  it("skips a port something listens on", async () => {
    const taken = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(taken, "127.0.0.1", resolve));
    try {
      for (let i = 0; i < 50; i++) expect(await freePort()).not.toBe(taken);
    } finally {
      holder.close();
    }
  });

  it("reads the range's start, and falls back to Linux's default when it cannot", () => {
    expect(ephemeralRangeStart(() => "40000\t60999\n")).toBe(40_000);
    expect(ephemeralRangeStart(() => "nonsense")).toBe(32_768);
    expect(
      ephemeralRangeStart(() => {
        throw new Error("ENOENT");
      }),
    ).toBe(32_768);
  });

  it("leaves the choice to the kernel when the range starts too low to choose below it", () => {
    expect(candidatePorts(5, 10_500)).toEqual([]);
    const ports = candidatePorts(1000, 32_768, () => 0.999_999);
    expect(Math.max(...ports)).toBe(32_767);
    expect(Math.min(...candidatePorts(10, 32_768, () => 0))).toBe(10_000);
  });
});
