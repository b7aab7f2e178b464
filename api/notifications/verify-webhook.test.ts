import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook } from "./verify-webhook.ts";

const secret = "whsec_test";
const body = JSON.stringify({ id: "evt_1", type: "release.failed" });
const now = 1_800_000_000_000;
const timestamp = String(now / 1000);
const signature = signWebhook(secret, Number(timestamp), body);

describe("verifyWebhook", () => {
  it("accepts a delivery signed with the secret over its timestamp and body", () => {
    expect(verifyWebhook({ secret, body, timestamp, signature, now })).toEqual({ ok: true, timestamp: now / 1000 });
  });

  it("detects a changed body, another secret, a moved timestamp and a garbled signature", () => {
    expect(verifyWebhook({ secret, body: `${body} `, timestamp, signature, now })).toMatchObject({
      reason: "BadSignature",
    });
    expect(verifyWebhook({ secret: "whsec_other", body, timestamp, signature, now })).toMatchObject({
      reason: "BadSignature",
    });
    // Re-sent with a fresh timestamp: the signature no longer matches, so the replay window cannot be dodged.
    expect(verifyWebhook({ secret, body, timestamp: String(now / 1000 + 1), signature, now })).toMatchObject({
      reason: "BadSignature",
    });
    expect(verifyWebhook({ secret, body, timestamp, signature: "v1=00", now })).toMatchObject({
      reason: "BadSignature",
    });
  });

  it("refuses a correctly signed delivery outside the replay window, either side", () => {
    expect(verifyWebhook({ secret, body, timestamp, signature, now: now + 301_000 })).toMatchObject({
      reason: "TooOld",
    });
    expect(verifyWebhook({ secret, body, timestamp, signature, now: now - 301_000 })).toMatchObject({
      reason: "TooOld",
    });
    expect(verifyWebhook({ secret, body, timestamp, signature, now: now + 299_000 }).ok).toBe(true);
    expect(
      verifyWebhook({ secret, body, timestamp, signature, now: now + 61_000, toleranceSeconds: 60 }),
    ).toMatchObject({
      reason: "TooOld",
    });
  });

  it("refuses missing headers and a timestamp that is not a number", () => {
    expect(verifyWebhook({ secret, body, timestamp: undefined, signature, now })).toMatchObject({
      reason: "MissingHeader",
    });
    expect(verifyWebhook({ secret, body, timestamp, signature: null, now })).toMatchObject({ reason: "MissingHeader" });
    expect(verifyWebhook({ secret, body, timestamp: "1e9", signature, now })).toMatchObject({ reason: "BadTimestamp" });
  });

  it("accepts any one of several signatures in the header", () => {
    expect(verifyWebhook({ secret, body, timestamp, signature: `v1=00, ${signature}`, now }).ok).toBe(true);
  });
});
