import { describe, expect, it } from "vitest";
import { StreamSlots } from "./stream-slots.ts";

describe("StreamSlots", () => {
  it("caps streams per credential and per tenant, and frees a slot on release (once)", () => {
    const slots = new StreamSlots({ perCredential: 2, perTenant: 3 });
    const a1 = slots.take("token:a", "acme");
    const a2 = slots.take("token:a", "acme");
    expect([a1.ok, a2.ok]).toEqual([true, true]);
    expect(slots.take("token:a", "acme")).toEqual({ ok: false, full: "credential", limit: 2 });
    const b1 = slots.take("oidc:bob", "acme");
    expect(b1.ok).toBe(true);
    expect(slots.take("oidc:bob", "acme")).toEqual({ ok: false, full: "tenant", limit: 3 });
    // Another tenant has slots of its own.
    expect(slots.take("oidc:bob", "globex").ok).toBe(true);
    if (a1.ok) {
      a1.release();
      a1.release();
    }
    expect(slots.open()).toEqual({ credentials: 3, tenants: { acme: 2, globex: 1 } });
    expect(slots.take("oidc:carol", "acme").ok).toBe(true);
    expect(slots.take("oidc:carol", "acme")).toEqual({ ok: false, full: "tenant", limit: 3 });
  });
});
