import { describe, expect, it } from "vitest";
import { markRoutesReady, type RouteOutcome } from "./mark-routes-ready.ts";

const stamp = { generation: 1, now: "2026-12-05T10:00:00.000Z" };
const served: RouteOutcome = {
  withoutDefault: [],
  refusals: [],
  denials: [],
  notOwned: [],
  granted: { http: ["web.example.com"], grpc: [] },
  gateway: { namespace: "gw", name: "public" },
  verdict: { kind: "Unattended" },
};
const denial = { claim: { protocol: "http" as const, host: "web.example.com", service: "*" }, ownApp: undefined };
const refusal = {
  claim: { protocol: "http" as const, host: "*.apps.example.com", service: "*" },
  refusal: { code: "WildcardOverBaseDomain" as const, message: "*.apps.example.com would cover the base domain." },
};

describe("markRoutesReady", () => {
  it.each<[string, Partial<RouteOutcome>, string, string]>([
    ["served", {}, "True", "Routed"],
    ["nothing to route", { granted: { http: [], grpc: [] } }, "True", "NoRoutes"],
    ["a child not owned", { notOwned: ["HTTPRoute web"] }, "False", "NotOwned"],
    [
      "a conflict before a child not owned",
      { denials: [denial], notOwned: ["HTTPRoute web"] },
      "False",
      "RouteConflict",
    ],
    ["a refused hostname before a conflict", { refusals: [refusal], denials: [denial] }, "False", "HostnameNotAllowed"],
    ["no default hostname first of all", { withoutDefault: ["http"], denials: [denial] }, "False", "NoDefaultHostname"],
    ["accepted by the gateway", { verdict: { kind: "Accepted" } }, "True", "Routed"],
    ["waiting for the gateway", { verdict: { kind: "Waiting", message: "Waiting." } }, "Unknown", "WaitingForGateway"],
    [
      "refused by the gateway",
      { verdict: { kind: "Refused", reason: "RouteNotAccepted", message: "No." } },
      "False",
      "RouteNotAccepted",
    ],
    [
      "a conflict before the gateway's refusal",
      { denials: [denial], verdict: { kind: "Refused", reason: "RouteRefsNotResolved", message: "No." } },
      "False",
      "RouteConflict",
    ],
    [
      "no routes: nothing to wait for",
      { granted: { http: [], grpc: [] }, verdict: { kind: "Waiting", message: "" } },
      "True",
      "NoRoutes",
    ],
  ])("%s → RoutesReady %s (%s)", (_name, change, status, reason) => {
    const [condition] = markRoutesReady([], stamp, { ...served, ...change });
    expect(condition).toMatchObject({ type: "RoutesReady", status, reason });
  });
});
