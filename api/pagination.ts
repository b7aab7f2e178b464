// Keyset (cursor) pagination: a cursor is the sort key of the last item served, opaque to clients
// (base64url JSON). Page sizes are capped by the server's --max-page-size.
import { z } from "zod";
import { ApiError } from "./errors.ts";

export const DEFAULT_PAGE_SIZE = 50;

export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe(`Most items to return (default ${DEFAULT_PAGE_SIZE}; larger values are capped by the server).`),
  cursor: z.string().max(512).optional().describe("`nextCursor` of the previous page."),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function pageSize(requested: number | undefined, max: number): number {
  return Math.min(requested ?? DEFAULT_PAGE_SIZE, max);
}

export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** The sort key in a cursor, which must have `length` string parts; a bad cursor is the client's error. */
export function decodeCursor(cursor: string | undefined, length: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(key) && key.length === length && key.every((k) => typeof k === "string")) return key;
  } catch {
    // Falls through to the error below.
  }
  throw new ApiError(
    "InvalidRequest",
    "The cursor is not one this list returned; start again without a cursor, then pass each page's nextCursor.",
    { errors: [{ field: "query.cursor", message: "unknown cursor" }] },
  );
}

/** Builds the page from `limit + 1` fetched rows: the extra row only tells whether another page exists. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (item: T) => string[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
