import { describe, expect, it } from "vitest";
import { sendWebhook } from "./send-webhook.ts";
import { checkTarget, TargetRefused } from "./webhook-target.ts";

/** DNS as a table: what each name resolves to here. */
const dns = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw new Error("ENOTFOUND");
  return found;
};

describe("checkTarget", () => {
  const resolve = dns({
    "hooks.example.com": ["93.184.216.34"],
    "mixed.example.com": ["93.184.216.34", "10.1.2.3"],
    "metadata.example.com": ["169.254.169.254"],
  });

  it("accepts an http(s) URL whose every address is public", async () => {
    expect((await checkTarget("https://hooks.example.com/loco", new Set(), resolve)).host).toBe("hooks.example.com");
  });

  it("refuses a name with any forbidden address among its answers, naming the name and the address", async () => {
    await expect(checkTarget("https://mixed.example.com/", new Set(), resolve)).rejects.toThrow(
      "mixed.example.com (10.1.2.3) is a private address",
    );
    await expect(checkTarget("http://metadata.example.com/", new Set(["private"]), resolve)).rejects.toThrow(
      /link-local/,
    );
  });

  it("refuses names that do not resolve, other schemes and credentials in the URL", async () => {
    await expect(checkTarget("https://nowhere.example.com/", new Set(), resolve)).rejects.toThrow(/does not resolve/);
    await expect(checkTarget("file:///etc/passwd", new Set(), resolve)).rejects.toThrow(/http\(s\)/);
    await expect(checkTarget("https://a:b@hooks.example.com/", new Set(), resolve)).rejects.toBeInstanceOf(
      TargetRefused,
    );
  });
});

describe("sendWebhook", () => {
  it("refuses at connect time a name that now resolves to a forbidden address, without retrying", async () => {
    const result = await sendWebhook({
      url: "http://hooks.example.com:9/loco",
      headers: {},
      body: "{}",
      allowed: new Set(),
      timeoutMs: 2000,
      resolve: dns({ "hooks.example.com": ["127.0.0.1"] }),
    });
    expect(result).toEqual({
      error:
        "hooks.example.com (127.0.0.1) is a loopback address, which webhooks may not reach unless a platform admin allows it (loco-api --webhook-allow-addresses)",
      refused: true,
    });
  });

  it("refuses an IP literal target before connecting", async () => {
    const result = await sendWebhook({
      url: "http://[::ffff:169.254.169.254]/latest",
      headers: {},
      body: "{}",
      allowed: new Set(["loopback"]),
      timeoutMs: 2000,
    });
    expect(result.refused).toBe(true);
    expect(result.error).toMatch(/link-local/);
  });
});
