import { describe, expect, it } from "vitest";
import { parseDotEnv } from "./dotenv.ts";

describe("parseDotEnv", () => {
  it("reads bare, quoted and exported values; skips comments and blank lines", () => {
    const result = parseDotEnv(
      [
        "# settings",
        "",
        "LOG_LEVEL=debug",
        "export REGION = eu-west-1 # where",
        'GREETING="hello\\nworld" # two lines',
        "LITERAL='a \\n b # not a comment'",
        "EMPTY=",
        "URL=https://x.example.com/?a=1#frag",
      ].join("\n"),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.fromEntries(result.vars)).toEqual({
      LOG_LEVEL: "debug",
      REGION: "eu-west-1",
      GREETING: "hello\nworld",
      LITERAL: "a \\n b # not a comment",
      EMPTY: "",
      URL: "https://x.example.com/?a=1#frag",
    });
  });

  it("names every line it cannot read", () => {
    const result = parseDotEnv('OK=1\nnot a variable\n1BAD=x\nOPEN="never closed\nAFTER="x" y');
    expect(result).toEqual({
      ok: false,
      errors: [
        { line: 2, message: "expected NAME=value" },
        { line: 3, message: '"1BAD" is not a variable name (letters, digits and _, not starting with a digit)' },
        { line: 4, message: 'the value of OPEN opens a " quote that is not closed on this line' },
        { line: 5, message: "unexpected text after the quoted value of AFTER: y" },
      ],
    });
  });
});
