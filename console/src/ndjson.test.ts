import { describe, expect, it } from "vitest";
import { NdjsonSplitter } from "./ndjson.ts";

describe("NdjsonSplitter", () => {
  it("joins records cut across chunks and keeps a partial last line for the next chunk", () => {
    const splitter = new NdjsonSplitter<{ line: string }>();
    expect(splitter.push('{"line":"a"}\n{"li')).toEqual([{ line: "a" }]);
    expect(splitter.push('ne":"b"}\n\n{"line":"c"}')).toEqual([{ line: "b" }]);
    expect(splitter.flush()).toEqual([{ line: "c" }]);
    expect(splitter.flush()).toEqual([]);
  });

  it("skips a line that is not JSON and reads on", () => {
    const splitter = new NdjsonSplitter<{ n: number }>();
    expect(splitter.push('{"n":1}\nnot json\n{"n":2}\n')).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
