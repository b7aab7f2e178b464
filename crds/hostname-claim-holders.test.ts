import { describe, expect, it } from "vitest";
import type { ClaimHolder } from "./hostname-claim.ts";
import { blockingHolders, holderHolds, holdersWith, holdersWithout, sameHolders } from "./hostname-claim-holders.ts";

const holder = (namespace: string, app: string, protocol: "HTTP" | "GRPC" = "HTTP", service = "*"): ClaimHolder => ({
  namespace,
  app,
  uid: `${namespace}-${app}-uid`,
  protocol,
  service,
});

describe("claim holders", () => {
  it("keeps a newcomer of another namespace out, whatever it serves", () => {
    const current = [holder("acme-prod", "shop")];
    expect(blockingHolders(current, [holder("evil-prod", "copy")])).toEqual(current);
    expect(blockingHolders(current, [holder("evil-prod", "copy", "GRPC", "x.v1.Y")])).toEqual(current);
  });

  it("lets gRPC Apps of one namespace share a hostname for different services only", () => {
    const cart = holder("acme-prod", "cart", "GRPC", "shop.v1.Cart");
    expect(blockingHolders([cart], [holder("acme-prod", "pay", "GRPC", "shop.v1.Pay")])).toEqual([]);
    expect(blockingHolders([cart], [holder("acme-prod", "all", "GRPC", "*")])).toEqual([cart]);
    expect(blockingHolders([cart], [holder("acme-prod", "web")])).toEqual([cart]);
    expect(blockingHolders([cart], [holder("globex-prod", "pay", "GRPC", "shop.v1.Pay")])).toEqual([cart]);
  });

  it("treats an entry of the same namespace/name as the App itself (re-created under a new uid)", () => {
    const old = holder("acme-prod", "shop");
    const renewed = { ...old, uid: "new-uid" };
    expect(blockingHolders([old], [renewed])).toEqual([]);
    expect(holdersWith([old], [renewed], [])).toEqual([renewed]);
  });

  it("drops stale holders when taking the hostname, and removes an App's entries on release", () => {
    const gone = holder("globex-prod", "old");
    expect(holdersWith([gone], [holder("acme-prod", "shop")], [gone])).toEqual([holder("acme-prod", "shop")]);
    const cart = holder("acme-prod", "cart", "GRPC", "a");
    expect(holdersWithout([cart, holder("acme-prod", "pay", "GRPC", "b")], "acme-prod", "pay")).toEqual([cart]);
  });

  it("compares holders regardless of order", () => {
    const a = holder("n", "a", "GRPC", "x");
    const b = holder("n", "b", "GRPC", "y");
    expect(sameHolders([a, b], [b, a])).toBe(true);
    expect(sameHolders([a], [a, b])).toBe(false);
  });
});

describe("holderHolds", () => {
  const now = new Date("2026-12-05T12:00:00Z");
  const claim = (annotations: Record<string, string> | undefined, creationTimestamp = "2026-12-05T11:58:00Z") => ({
    metadata: { creationTimestamp, ...(annotations ? { annotations } : {}) },
  });
  const restored = { "loco.dev/restored": "true" };

  it("counts the App under the holder's namespace/name as the holder, whatever its uid, unless it is being deleted", () => {
    expect(holderHolds({ metadata: {} }, claim(undefined), now)).toBe(true);
    expect(holderHolds({ metadata: { deletionTimestamp: "2026-12-05T11:59:00Z" } }, claim(undefined), now)).toBe(false);
  });

  it("counts a holder without an App as gone, unless the claim was restored within the grace period", () => {
    expect(holderHolds(undefined, claim(undefined), now)).toBe(false);
    expect(holderHolds(undefined, claim(restored), now)).toBe(true);
    expect(holderHolds(undefined, claim(restored, "2026-12-05T11:40:00Z"), now)).toBe(false);
    expect(holderHolds(undefined, { metadata: { annotations: restored } }, now)).toBe(false);
  });
});
