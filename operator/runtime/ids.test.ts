import { decodeTime, isValid } from "ulid";
import { describe, expect, it } from "vitest";
import { newUlid } from "./ids.ts";

describe("newUlid", () => {
  it("makes valid, distinct ULIDs stamped with the current time, across pool refills", () => {
    const before = Date.now();
    // 2,000 ids use 32,000 random characters: the 4 KiB pool is refilled several times.
    const ids = Array.from({ length: 2000 }, newUlid);
    const after = Date.now();
    expect(ids.every((id) => isValid(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0] as string, ids.at(-1) as string]) {
      expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
      expect(decodeTime(id)).toBeLessThanOrEqual(after);
    }
  });

  it("spreads the random part over the whole alphabet", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of newUlid().slice(10)) counts.set(c, (counts.get(c) ?? 0) + 1);
    // 32,000 characters over 32 symbols: about 1,000 each; a broken pool (one byte repeated) would give one symbol.
    expect(counts.size).toBe(32);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700);
  });
});
