import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { asIs, listPage } from "./list-page.ts";
import { encodeCursor } from "./pagination.ts";

const ids = Array.from({ length: 7 }, (_, i) => String(100 - i));

/** A store of ids, newest (largest) first, read after a cursor. */
function options(fetched: { after?: string[] | undefined; limit: number }[]) {
  return {
    maxPageSize: 3,
    cursor: { parts: 1, shape: [/^\d{1,18}$/] },
    fetch: async (after: string[] | undefined, limit: number) => {
      fetched.push({ after, limit });
      const start = after ? ids.indexOf(after[0] ?? "") + 1 : 0;
      return ids.slice(start, start + limit);
    },
    keyOf: (id: string) => [id],
    view: (id: string) => ({ id }),
  };
}

describe("listPage", () => {
  it("caps the page size, fetches one extra row, and walks the pages with nextCursor", async () => {
    const fetched: { after?: string[] | undefined; limit: number }[] = [];
    const first = await listPage({ limit: 50 }, options(fetched));
    expect(first.items).toEqual([{ id: "100" }, { id: "99" }, { id: "98" }]);
    expect(fetched[0]).toEqual({ after: undefined, limit: 4 });
    const second = await listPage({ cursor: first.nextCursor ?? "" }, options(fetched));
    expect(second.items.map((i) => i.id)).toEqual(["97", "96", "95"]);
    const last = await listPage({ cursor: second.nextCursor ?? "" }, options(fetched));
    expect(last).toEqual({ items: [{ id: "94" }], nextCursor: null });
  });

  it("refuses a cursor of the wrong shape before reading anything", async () => {
    const fetched: { after?: string[] | undefined; limit: number }[] = [];
    for (const cursor of ["not base64 json", encodeCursor(["1", "2"]), encodeCursor(["1 OR 1=1"])]) {
      const error = await listPage({ cursor }, options(fetched)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe("InvalidRequest");
    }
    expect(fetched).toEqual([]);
  });

  it("answers rows as read with asIs", async () => {
    const page = await listPage({}, { ...options([]), view: asIs });
    expect(page.items).toEqual(["100", "99", "98"]);
  });
});
