import { describe, expect, it } from "vitest";
import { ApiRequestError } from "./client/api-client.ts";
import { hostnameRefusal } from "./deploy-refusal.ts";

const refused = (status: number, field: string) =>
  new ApiRequestError({
    failure: "problem",
    method: "POST",
    url: "http://api/v1/tenants/acme/apps/web/deployments",
    requestId: "r1",
    status,
    message: "refused",
    problem: {
      type: "about:blank",
      title: "Conflict",
      status,
      detail: "The hostname shop.example.org is already taken by another tenant.",
      errors: [{ field, message: "taken" }],
    } as never,
  });

describe("hostnameRefusal", () => {
  it("makes a 409 or 403 about a route's hostname a failed deploy (exit 4) naming the field", () => {
    const conflict = hostnameRefusal(refused(409, "spec.routes.http.hostnames[0]"), "Could not deploy web to dev");
    expect(conflict?.code).toBe("deployFailed");
    expect(conflict?.why).toContain("already taken");
    expect(conflict?.why).toContain("spec.routes.http.hostnames[0]");
    expect(hostnameRefusal(refused(403, "spec.routes.grpc.hostnames[1]"), "x")?.fix).toMatch(/domainGrants/);
  });

  it("leaves every other failure to the usual mapping", () => {
    expect(hostnameRefusal(refused(409, "spec.image"), "x")).toBeUndefined();
    expect(hostnameRefusal(refused(500, "spec.routes.http.hostnames[0]"), "x")).toBeUndefined();
    expect(hostnameRefusal(new Error("boom"), "x")).toBeUndefined();
  });
});
