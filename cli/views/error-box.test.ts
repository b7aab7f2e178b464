import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it } from "vitest";
import { CliError, errorLines, formatErrorPlain } from "../cli-error.ts";
import { ErrorBox } from "./error-box.ts";

const error = new CliError({
  code: "notFound",
  what: "Could not get app shop (prod)",
  why: 'App "shop" was not found.',
  fix: "Check the name, --tenant and --profile (`loco ls` lists your apps).",
  requestId: "3f0c9a1e",
});

describe("ErrorBox", () => {
  it("frames what failed, why, what to do and the request id", () => {
    const view = render(h(ErrorBox, { lines: errorLines(error) }));
    const lines = stripVTControlCharacters(view.lastFrame() ?? "").split("\n");
    expect(lines[0]).toMatch(/^╭─+╮$/);
    expect(lines.at(-1)).toMatch(/^╰─+╯$/);
    expect(lines.slice(1, -1).map((l) => l.replace(/^│ /, "").replace(/\s*│$/, ""))).toEqual([
      "Error:      Could not get app shop (prod)",
      'Why:        App "shop" was not found.',
      "Fix:        Check the name, --tenant and --profile (`loco ls` lists your apps).",
      "Request id: 3f0c9a1e",
    ]);
    view.unmount();
  });

  it("leaves out the request id when there was no request, in the box and in plain text", () => {
    const local = new CliError({
      code: "usage",
      what: "loco.toml already exists",
      why: "init does not overwrite.",
      fix: "Pass --force.",
    });
    const view = render(h(ErrorBox, { lines: errorLines(local) }));
    expect(view.lastFrame()).not.toContain("Request id");
    expect(formatErrorPlain(local)).toBe(
      "Error:      loco.toml already exists\nWhy:        init does not overwrite.\nFix:        Pass --force.\n",
    );
    expect(error.exitCode).toBe(3);
    view.unmount();
  });
});
