import { describe, expect, it } from "vitest";
import { lostLines, readyOf } from "./lost-apps.ts";

const app = (name: string, lost: boolean | null, ready: "True" | "False" | "Unknown" = "True") => ({
  name,
  profile: "dev",
  ready,
  lost,
});

describe("lost Apps in ls and status", () => {
  it("shows a lost App as Lost, whatever readiness its old cluster reported", () => {
    expect(readyOf(app("web", true, "True"))).toBe("Lost");
    expect(readyOf(app("web", false, "True"))).toBe("True");
    expect(readyOf(app("web", null, "False"))).toBe("False");
  });

  it("says nothing when every App is in the current cluster", () => {
    expect(lostLines([app("web", false), app("api", false)])).toEqual([]);
  });

  it("names the lost Apps in one line with what restores them", () => {
    const lines = lostLines([app("web", true), app("api", false), app("worker", true)]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Lost: web \(dev\), worker \(dev\) are not in the current cluster: .*replaced or wiped\./,
    );
    expect(lines[0]).toContain("The resurrector restores them (on the local platform, `npm start` does).");
    expect(lostLines([app("web", true)])[0]).toMatch(/^Lost: web \(dev\) is not .* restores it /);
  });

  it("says when the API could not tell, without calling the App lost", () => {
    const lines = lostLines([app("web", null)]);
    expect(lines).toEqual([
      "Unknown: the API could not read the current cluster's identity just now, so it cannot tell whether web (dev) is in it; try again shortly.",
    ]);
  });
});
