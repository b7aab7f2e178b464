import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/types.ts";
import { readFresh, StatusExpectations } from "./status-expectations.ts";

const KEY = "acme-dev/cart";
const at = (resourceVersion: string): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { namespace: "acme-dev", name: "cart", resourceVersion },
});

function clocked() {
  const clock = { ms: 1_000 };
  return { clock, expectations: new StatusExpectations({ timeoutMs: 5_000, nowMs: () => clock.ms }) };
}

describe("StatusExpectations", () => {
  it("acts on the cache when no status write is awaited", () => {
    const { expectations } = clocked();
    expect(expectations.freshness(KEY, "7")).toEqual({ act: "cache" });
  });

  it("holds a cached copy older than the status it wrote until the cache shows the write", async () => {
    const { clock, expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    clock.ms += 1_000;
    // The cache still holds the copy the reconcile read before writing.
    expect(expectations.freshness(KEY, "11")).toEqual({ act: "wait", waitMs: 4_000 });
    expectations.observed(at("12"));
    expect(expectations.freshness(KEY, "12")).toEqual({ act: "cache" });
    expect(expectations.size).toBe(0);
  });

  it("trusts any later copy once the written version was delivered (versions are only compared for equality)", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    expectations.observed(at("12"));
    expectations.observed(at("15"));
    expect(expectations.freshness(KEY, "15")).toEqual({ act: "cache" });
  });

  it("does not take another writer's change, delivered before the write, for the write", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    // A version the cache showed after the write answered but before the write's own event: still older.
    expectations.observed(at("11"));
    expect(expectations.freshness(KEY, "11")).toMatchObject({ act: "wait" });
  });

  it("counts a watch event that beat the write's answer", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => {
      expectations.observed(at("12"));
      expectations.observed(at("13"));
      return at("12");
    });
    expect(expectations.freshness(KEY, "13")).toEqual({ act: "cache" });
  });

  it("accepts the written version found in the cache without its event (e.g. after a relist)", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    expect(expectations.freshness(KEY, "12")).toEqual({ act: "cache" });
    expect(expectations.size).toBe(0);
  });

  it("is bounded: past the timeout without the event, the object is read from the apiserver, once", async () => {
    const { clock, expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    clock.ms += 5_000;
    expect(expectations.freshness(KEY, "11")).toEqual({ act: "get" });
    expect(expectations.freshness(KEY, "11")).toEqual({ act: "cache" });
  });

  it("awaits nothing after a write that sent nothing or failed, nor for a deleted object", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => undefined);
    expect(expectations.freshness(KEY, "11")).toEqual({ act: "cache" });
    await expect(
      expectations.around(KEY, async () => {
        throw new Error("conflict");
      }),
    ).rejects.toThrow("conflict");
    expect(expectations.freshness(KEY, "11")).toEqual({ act: "cache" });
    await expectations.around(KEY, async () => at("12"));
    expectations.deleted(at("12"));
    expect(expectations.freshness(KEY, undefined)).toEqual({ act: "cache" });
  });

  it("keeps keys apart", async () => {
    const { expectations } = clocked();
    await expectations.around(KEY, async () => at("12"));
    expect(expectations.freshness("acme-dev/other", "3")).toEqual({ act: "cache" });
  });
});

describe("readFresh", () => {
  it("answers the cached copy, a wait, or the apiserver's copy past the bound", async () => {
    const { clock, expectations } = clocked();
    let gets = 0;
    const get = async () => {
      gets++;
      return at("12");
    };
    expect(await readFresh(expectations, KEY, at("11"), get)).toEqual({ object: at("11") });
    await expectations.around(KEY, async () => at("12"));
    expect(await readFresh(expectations, KEY, at("11"), get)).toEqual({ waitMs: 5_000 });
    clock.ms += 6_000;
    expect(await readFresh(expectations, KEY, at("11"), get)).toEqual({ object: at("12") });
    expect(gets).toBe(1);
  });
});
