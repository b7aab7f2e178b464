import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileAdapterStore } from "./oidc-file-adapter.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function stateFile(): string {
  const folder = mkdtempSync(join(tmpdir(), "loco-oidc-adapter-"));
  folders.push(folder);
  return join(folder, "state.json");
}

/** A clock the test moves by hand. */
function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("the file-backed oidc-provider adapter", () => {
  it("gives back after a reopen what it was given, per model, and writes the file 0600", async () => {
    const file = stateFile();
    const first = FileAdapterStore.open({ file }).store;
    await first.factory("RefreshToken").upsert("rt1", { grantId: "g1", accountId: "developer" }, 3600);
    await first.factory("Grant").upsert("g1", { accountId: "developer", clientId: "loco-cli" }, 3600);

    const reopened = FileAdapterStore.open({ file }).store;
    expect(await reopened.factory("RefreshToken").find("rt1")).toEqual({ grantId: "g1", accountId: "developer" });
    expect(await reopened.factory("Grant").find("g1")).toEqual({ accountId: "developer", clientId: "loco-cli" });
    // Same id, other model: not the same entry.
    expect(await reopened.factory("Grant").find("rt1")).toBeUndefined();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("finds sessions by uid and device codes by user code, live ones only", async () => {
    const time = clock();
    const { store } = FileAdapterStore.open({ file: stateFile(), now: time.now });
    await store.factory("Session").upsert("s1", { uid: "u1", accountId: "developer" }, 60);
    await store.factory("DeviceCode").upsert("d1", { userCode: "ABCD-EFGH", grantId: "g1" }, 600);
    expect(await store.factory("Session").findByUid("u1")).toMatchObject({ accountId: "developer" });
    expect(await store.factory("Session").findByUid("u2")).toBeUndefined();
    expect(await store.factory("DeviceCode").findByUserCode("ABCD-EFGH")).toMatchObject({ grantId: "g1" });
    time.advance(61_000);
    expect(await store.factory("Session").findByUid("u1")).toBeUndefined();
    expect(await store.factory("DeviceCode").findByUserCode("ABCD-EFGH")).toBeDefined();
  });

  it("keeps a consumed mark and a destroy across a reopen", async () => {
    const file = stateFile();
    const time = clock();
    const { store } = FileAdapterStore.open({ file, now: time.now });
    const tokens = store.factory("RefreshToken");
    await tokens.upsert("rt1", { grantId: "g1" }, 3600);
    await tokens.upsert("rt2", { grantId: "g1" }, 3600);
    await tokens.consume("rt1");
    await tokens.destroy("rt2");
    const reopened = FileAdapterStore.open({ file, now: time.now }).store.factory("RefreshToken");
    expect(await reopened.find("rt1")).toEqual({ grantId: "g1", consumed: 1_800_000_000 });
    expect(await reopened.find("rt2")).toBeUndefined();
  });

  it("revokes by grant id only that model's entries of that grant", async () => {
    const { store } = FileAdapterStore.open({ file: stateFile() });
    await store.factory("RefreshToken").upsert("rt1", { grantId: "g1" }, 3600);
    await store.factory("RefreshToken").upsert("rt2", { grantId: "g2" }, 3600);
    await store.factory("DeviceCode").upsert("d1", { grantId: "g1" }, 3600);
    await store.factory("RefreshToken").revokeByGrantId("g1");
    expect(await store.factory("RefreshToken").find("rt1")).toBeUndefined();
    expect(await store.factory("RefreshToken").find("rt2")).toBeDefined();
    expect(await store.factory("DeviceCode").find("d1")).toBeDefined();
  });

  it("drops expired entries from the file and keeps at most maxEntries, the soonest to expire going first", async () => {
    const file = stateFile();
    const time = clock();
    const { store } = FileAdapterStore.open({ file, now: time.now, maxEntries: 3 });
    const model = store.factory("AccessToken");
    await model.upsert("short", {}, 10);
    await model.upsert("forever", {});
    await model.upsert("long", {}, 1000);
    await model.upsert("medium", {}, 100);
    expect(store.size).toBe(3);
    expect(await model.find("short")).toBeUndefined();
    time.advance(200_000);
    await model.upsert("new", {}, 1000);
    const kept = Object.keys(JSON.parse(readFileSync(file, "utf8")).entries);
    expect(kept.sort()).toEqual(["AccessToken:forever", "AccessToken:long", "AccessToken:new"]);
  });

  it("sets an unreadable file aside and starts empty", () => {
    const file = stateFile();
    writeFileSync(file, "{not json");
    const { store, discarded } = FileAdapterStore.open({ file });
    expect(store.size).toBe(0);
    expect(discarded).toBe(`${file}.unreadable`);
    expect(readFileSync(`${file}.unreadable`, "utf8")).toBe("{not json");
    expect(existsSync(file)).toBe(false);
  });
});
