// An integer in a query string. z.coerce.number() reads an empty value (`?tail=`) as 0 — Number("") is 0 — so an
// empty parameter was accepted as a real 0 instead of refused (found by fuzzing GET …/logs?tail=). Empty and blank
// values become NaN here, which the integer check refuses with the field named. The OpenAPI type stays integer.
import { z } from "zod";

export const queryInt = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? Number.NaN : value),
    z.coerce.number().int().min(min).max(max),
  );
