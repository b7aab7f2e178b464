// The notification types a tenant's webhooks can subscribe to: one list for the mirror that decides them
// (db/notifications/notification-of.ts), the API that validates subscriptions and the CLI's --event choices.
export const NOTIFICATION_TYPES = [
  "release.started",
  "release.succeeded",
  "release.failed",
  "release.rolled_back",
  "run.failed",
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
