import { describe, expect, it } from "vitest";
import type { Notification } from "../../db/notifications/notification-of.ts";
import { deliveryBody } from "./delivery-body.ts";

const notification: Notification = {
  id: "evt_1",
  type: "release.rolled_back",
  occurredAt: "2026-12-05T10:00:00.000Z",
  tenant: "acme",
  namespace: "acme-prod",
  profile: "prod",
  object: { kind: "App", name: "shop-api" },
  deploymentId: null,
  reason: "RolledBack",
  message: "success rate 0.5 < 0.99 <@here>",
  actor: null,
};

describe("deliveryBody", () => {
  it("sends loco's format as the notification itself", () => {
    expect(JSON.parse(deliveryBody("loco", notification))).toEqual(notification);
  });

  it("sends Slack a text message with what, where and why, its markup characters escaped", () => {
    const { text } = JSON.parse(deliveryBody("slack", notification)) as { text: string };
    expect(text.split("\n")).toEqual([
      ":leftwards_arrow_with_hook: Release rolled back: App *shop-api* in acme-prod",
      "success rate 0.5 &lt; 0.99 &lt;@here&gt;",
      "_RolledBack · 2026-12-05T10:00:00.000Z_",
    ]);
  });
});
