import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "./audit.ts";

describe("audit CSV export", () => {
  it("quotes separators and defuses spreadsheet formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=HYPERLINK()")).toBe("'=HYPERLINK()");
    expect(csvField("plain")).toBe("plain");
  });

  it("writes one header and one line per entry", () => {
    const csv = toCsv([
      {
        id: "7",
        tenant: "acme",
        occurredAt: "2026-01-01T00:00:00.000Z",
        actor: "oidc:alice",
        action: "apps.apply",
        target: "App/prod/web",
        outcome: "succeeded",
        requestId: "r1",
        details: { status: 200 },
      },
    ]);
    expect(csv).toBe(
      'id,occurredAt,actor,action,target,outcome,requestId,details\r\n7,2026-01-01T00:00:00.000Z,oidc:alice,apps.apply,App/prod/web,succeeded,r1,"{""status"":200}"\r\n',
    );
  });
});
