import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, freePortPreferring } from "./free-port.ts";

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
