import { describe, expect, it } from "vitest";
import { type Claim, claimRank, RouteClaims } from "./route-claims.ts";

const http = (host: string): Claim => ({ protocol: "http", host, service: "*" });
const grpc = (host: string, service = "*"): Claim => ({ protocol: "grpc", host, service });

describe("RouteClaims", () => {
  it("gives a contested hostname to the older App, whatever the order they are seen in", () => {
    const claims = new RouteClaims();
    claims.update("b/young", claimRank("2026-02-01T00:00:00Z", "b/young"), [http("shop.example.com")]);
    expect(claims.denials("b/young")).toEqual([]);
    const affected = claims.update("a/old", claimRank("2026-01-01T00:00:00Z", "a/old"), [http("shop.example.com")]);
    expect(affected).toEqual(["b/young"]); // must be reconciled again: it just lost the hostname
    expect(claims.denials("a/old")).toEqual([]);
    expect(claims.denials("b/young")).toEqual([{ claim: http("shop.example.com"), holder: "a/old" }]);
  });

  it("releases the hostname when the holder goes, naming who may take it", () => {
    const claims = new RouteClaims();
    claims.update("a/old", claimRank("2026-01-01T00:00:00Z", "a/old"), [http("x.example.com")]);
    claims.update("b/young", claimRank("2026-02-01T00:00:00Z", "b/young"), [http("x.example.com")]);
    expect(claims.remove("a/old")).toEqual(["b/young"]);
    expect(claims.denials("b/young")).toEqual([]);
  });

  it("lets gRPC Apps share a hostname for different services, but not for the same or every service", () => {
    const claims = new RouteClaims();
    claims.update("a/cart", claimRank("2026-01-01T00:00:00Z", "a/cart"), [grpc("api.example.com", "shop.v1.Cart")]);
    claims.update("a/pay", claimRank("2026-01-02T00:00:00Z", "a/pay"), [grpc("api.example.com", "shop.v1.Pay")]);
    expect(claims.denials("a/pay")).toEqual([]);
    claims.update("a/all", claimRank("2026-01-03T00:00:00Z", "a/all"), [grpc("api.example.com")]);
    expect(claims.denials("a/all")).toHaveLength(1);
    claims.update("a/web", claimRank("2026-01-04T00:00:00Z", "a/web"), [http("api.example.com")]);
    expect(claims.denials("a/web")).toHaveLength(1);
  });

  it("reports nothing affected when an App's claims did not change", () => {
    const claims = new RouteClaims();
    claims.update("a/x", claimRank("2026-01-01T00:00:00Z", "a/x"), [http("x.example.com")]);
    claims.update("b/y", claimRank("2026-01-02T00:00:00Z", "b/y"), [http("x.example.com")]);
    expect(claims.update("b/y", claimRank("2026-01-02T00:00:00Z", "b/y"), [http("x.example.com")])).toEqual([]);
  });
});
