import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { decodeCursor, encodeCursor, pageOf, pageSize } from "./pagination.ts";

describe("pagination", () => {
  it("caps the page size at the server's maximum", () => {
    expect(pageSize(undefined, 500)).toBe(50);
    expect(pageSize(10_000, 500)).toBe(500);
    expect(pageSize(7, 500)).toBe(7);
  });

  it("round-trips a cursor and refuses one it did not make", () => {
    expect(decodeCursor(encodeCursor(["acme-prod", "web"]), 2)).toEqual(["acme-prod", "web"]);
    expect(decodeCursor(undefined, 2)).toBeUndefined();
    expect(() => decodeCursor("garbage", 2)).toThrow(ApiError);
    expect(() => decodeCursor(encodeCursor(["only-one"]), 2)).toThrow(/nextCursor/);
  });

  it("offers a next cursor only when an extra row was fetched", () => {
    const rows = [{ n: "a" }, { n: "b" }, { n: "c" }];
    expect(pageOf(rows, 2, (r) => [r.n])).toEqual({ items: rows.slice(0, 2), nextCursor: encodeCursor(["b"]) });
    expect(pageOf(rows, 3, (r) => [r.n]).nextCursor).toBeNull();
  });
});
