// What a webhook receives: loco's notification as JSON, or, for `format: slack`, a message Slack's incoming webhooks
// (and the chat tools that copy their API: Mattermost, Rocket.Chat, Discord's /slack endpoint) post as it is.
import type { Notification } from "../../db/notifications/notification-of.ts";
import type { WebhookFormat } from "../../db/schema.ts";

const HEADLINES: Record<Notification["type"], string> = {
  "release.started": "Release started",
  "release.succeeded": "Release succeeded",
  "release.failed": "Release failed",
  "release.rolled_back": "Release rolled back",
  "run.failed": "Run failed",
  "webhook.test": "Test notification",
};

const EMOJI: Record<Notification["type"], string> = {
  "release.started": ":rocket:",
  "release.succeeded": ":white_check_mark:",
  "release.failed": ":x:",
  "release.rolled_back": ":leftwards_arrow_with_hook:",
  "run.failed": ":x:",
  "webhook.test": ":wave:",
};

/** Slack's mrkdwn treats these as markup; the rest of a message is shown as written. */
const escapeSlack = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function slackMessage(n: Notification): { text: string } {
  const where = n.namespace ? ` in ${n.namespace}` : "";
  const object = n.object.name ? `${n.object.kind} *${escapeSlack(n.object.name)}*${escapeSlack(where)}` : "";
  const lines = [
    `${EMOJI[n.type]} ${HEADLINES[n.type]}${object ? `: ${object}` : ""}`,
    escapeSlack(n.message),
    `_${n.reason}${n.deploymentId ? ` · deployment ${n.deploymentId}` : ""} · ${n.occurredAt}_`,
  ];
  return { text: lines.filter(Boolean).join("\n") };
}

/** The request body for a webhook of this format. */
export function deliveryBody(format: WebhookFormat, notification: Notification): string {
  return JSON.stringify(format === "slack" ? slackMessage(notification) : notification);
}
