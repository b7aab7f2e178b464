import { describe, expect, it } from "vitest";
import { REASON_ADVICE, troubleshootingPage } from "./condition-advice.ts";
import { Reason } from "./conditions.ts";

describe("the troubleshooting page", () => {
  it("gives every reason of the vocabulary exactly one row, with a cause and what to do", () => {
    const page = troubleshootingPage();
    expect(Object.keys(REASON_ADVICE).sort()).toEqual(Object.values(Reason).sort());
    for (const reason of Object.values(Reason)) {
      const rows = page.split("\n").filter((line) => line.startsWith(`| \`${reason}\` |`));
      expect(rows, reason).toHaveLength(1);
      const advice = REASON_ADVICE[reason];
      expect(advice.cause.endsWith("."), `${reason}'s cause is a sentence`).toBe(true);
      expect(advice.fix.endsWith("."), `${reason}'s fix is a sentence`).toBe(true);
    }
  });

  it("keeps table cells whole: a | in the text is escaped", () => {
    for (const line of troubleshootingPage()
      .split("\n")
      .filter((l) => l.startsWith("| `"))) {
      expect(line.replaceAll("\\|", "").split("|"), line).toHaveLength(6);
    }
  });
});
