// Which loco attributes a request's path yields, and which of them its metric point may carry.
import { describe, expect, it } from "vitest";
import { locoAttributesOf, requestMetricAttributes, startApiTelemetry } from "./telemetry.ts";

const request = {
  method: "GET",
  scheme: "https",
  route: "/v1/tenants/:tenant/apps/:app",
  status: 200,
  loco: { "loco.tenant": "acme", "loco.app": "web" },
  authorizedTenant: "acme",
  objectFound: true,
};

describe("locoAttributesOf", () => {
  it("names the tenant, app, pipeline and run of the path", () => {
    expect(locoAttributesOf({ tenant: "acme", app: "web" })).toEqual({ "loco.tenant": "acme", "loco.app": "web" });
    expect(locoAttributesOf({ tenant: "acme", pipeline: "ci", run: "ci-x7k2p" })).toEqual({
      "loco.tenant": "acme",
      "loco.pipeline": "ci",
      "loco.run": "ci-x7k2p",
    });
    expect(locoAttributesOf({ profile: "prod" })).toEqual({ "loco.profile": "prod" });
  });

  it("ignores what is not an object name", () => {
    expect(locoAttributesOf({ tenant: "Acme Corp", app: "x".repeat(300), id: "42" })).toEqual({});
    expect(locoAttributesOf(undefined)).toEqual({});
  });
});

describe("requestMetricAttributes", () => {
  it("carries the route, status and the authorised tenant's app", () => {
    expect(requestMetricAttributes(request)).toEqual({
      "http.request.method": "GET",
      "url.scheme": "https",
      "http.route": "/v1/tenants/:tenant/apps/:app",
      "http.response.status_code": 200,
      "loco.tenant": "acme",
      "loco.app": "web",
    });
  });

  it("marks server errors with error.type", () => {
    expect(requestMetricAttributes({ ...request, status: 503 })["error.type"]).toBe("503");
    expect(requestMetricAttributes({ ...request, status: 409 })["error.type"]).toBeUndefined();
  });

  it("drops names a caller was not authorised for, and apps the route did not find, whatever the status", () => {
    const stranger = requestMetricAttributes({ ...request, status: 401, authorizedTenant: undefined });
    expect(stranger["loco.tenant"]).toBeUndefined();
    expect(stranger["loco.app"]).toBeUndefined();
    const missing = requestMetricAttributes({ ...request, status: 404, objectFound: false });
    expect(missing["loco.tenant"]).toBe("acme");
    expect(missing["loco.app"]).toBeUndefined();
    // An empty timeline of an App that never existed answers 200: still no series of its own.
    const empty = requestMetricAttributes({
      ...request,
      route: "/v1/tenants/:tenant/apps/:app/timeline",
      objectFound: false,
    });
    expect(empty).toMatchObject({ "loco.tenant": "acme", "http.response.status_code": 200 });
    expect(empty["loco.app"]).toBeUndefined();
    expect(
      requestMetricAttributes({
        ...request,
        loco: { "loco.tenant": "acme", "loco.pipeline": "ci" },
        objectFound: false,
      }),
    ).not.toHaveProperty("loco.pipeline");
    expect(requestMetricAttributes({ ...request, loco: { ...request.loco, "loco.run": "r1" } })).not.toHaveProperty(
      "loco.run",
    );
  });

  it("folds unknown methods and unmatched routes", () => {
    const attributes = requestMetricAttributes({ ...request, method: "QUERY", route: undefined, status: 404 });
    expect(attributes["http.request.method"]).toBe("_OTHER");
    expect(attributes).not.toHaveProperty("http.route");
  });
});

describe("startApiTelemetry", () => {
  it("starts nothing and hooks nothing without an endpoint or a metrics address", async () => {
    const { telemetry, server } = await startApiTelemetry({ otlpEndpoint: undefined }, {});
    expect(telemetry.enabled).toBe(false);
    expect(server).toBeUndefined();
  });
});
