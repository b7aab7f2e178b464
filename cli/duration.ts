// Durations on the command line: 500ms, 90s, 5m, 1h, 1h30m.
import { CliError } from "./cli-error.ts";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== text) {
    throw new CliError({
      code: "usage",
      what: `Invalid --${flag}`,
      why: `"${text}" is not a duration.`,
      fix: `Write it like 90s, 5m or 1h30m.`,
    });
  }
  return parts.reduce((total, p) => total + Number(p[1]) * UNITS[p[2]!]!, 0);
}
