import { describe, expect, it } from "vitest";
import type { Profile } from "../../../crds/profile.ts";
import { markGatewayFound, markGatewayNotFound } from "./status.ts";

const stamp = { generation: 2, now: "2026-12-05T10:00:00.000Z" };
const spec = { gateway: { namespace: "gw", name: "public" }, baseDomain: "apps.example.com" } as Profile["spec"];

describe("Profile condition set", () => {
  it.each([
    ["gateway found", markGatewayFound, "True", "Available"],
    ["gateway missing", markGatewayNotFound, "False", "GatewayNotFound"],
  ] as const)("%s → Ready %s (%s)", (_name, mark, status, reason) => {
    const [ready] = mark([], stamp, spec);
    expect(ready).toMatchObject({ type: "Ready", status, reason, observedGeneration: 2 });
    expect(ready?.message).toContain("gw/public");
  });
});
