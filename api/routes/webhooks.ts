// A tenant's webhooks: where its release and run notifications go (docs/notifications.md). Created with a signing
// secret shown once; listed, deleted, sent a test, and their delivery logs read. Targets are checked against the SSRF
// rule when created and again at every delivery (api/notifications/). A webhook of another tenant answers like a
// missing one.
import { randomBytes } from "node:crypto";
import { ulid } from "ulid";
import { z } from "zod";
import { NOTIFICATION_TYPES } from "../../db/notifications/notification-of.ts";
import {
  createWebhook,
  type DeliveryRecord,
  deleteWebhook,
  enqueueDelivery,
  getWebhook,
  listDeliveries,
  listWebhooks,
  type WebhookRecord,
} from "../../db/notifications/webhook-store.ts";
import { actorOf } from "../auth/principal.ts";
import { ApiError, notFound } from "../errors.ts";
import { listPage } from "../list-page.ts";
import { checkTarget, TargetRefused } from "../notifications/webhook-target.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { pageOf, TenantName } from "./schemas.ts";

/** Webhooks per tenant: enough for a team's channels and tools, few enough that one tenant cannot flood the queue. */
export const MAX_WEBHOOKS_PER_TENANT = 20;

const EventType = z.enum(NOTIFICATION_TYPES);

export const WebhookView = z.object({
  id: z.string(),
  url: z
    .string()
    .describe("Where deliveries go; a Slack-format URL (itself a credential) and any query string are shortened to …."),
  format: z.enum(["loco", "slack"]),
  events: z.array(EventType),
  description: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export const CreatedWebhook = z.object({
  webhook: WebhookView,
  secret: z
    .string()
    .describe("The signing secret (whsec_…). Shown only in this response; store it where the receiver can read it."),
});
export const DeliveryView = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string().describe("The notification's id (header loco-webhook-id): the same on every attempt."),
  eventType: z.string(),
  state: z.enum(["pending", "delivered", "failed"]).describe("pending: waiting for its next attempt."),
  attempts: z.int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  responseCode: z.int().nullable().describe("The HTTP status of the last answer, when the receiver answered."),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const TestDelivery = z.object({
  deliveryId: z.string().describe("Follow it in the webhook's deliveries."),
  eventId: z.string(),
});

/** What a list shows of a target: never a credential carried in the URL. */
export function displayUrl(raw: string, format: WebhookRecord["format"]): string {
  const url = new URL(raw);
  if (format === "slack") return `${url.origin}/…`;
  return `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
}

const viewOf = (w: WebhookRecord) => ({
  id: w.id,
  url: displayUrl(w.url, w.format),
  format: w.format,
  events: w.events as z.output<typeof EventType>[],
  description: w.description,
  createdBy: w.createdBy,
  createdAt: w.createdAt,
});
const deliveryViewOf = (d: DeliveryRecord) => ({ ...d });

const WebhookParams = z.strictObject({
  tenant: TenantName,
  id: z.string().regex(/^[0-9A-Z]{26}$/, { error: "must be a webhook id" }),
});
const noStore = { "cache-control": "no-store" };

export function webhookRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  // Read per request: the reference generator builds the routes without a configuration.
  const allowed = () => new Set<string>(config.webhookAllowAddresses ?? []);

  async function found(tenant: string, id: string): Promise<WebhookRecord> {
    const webhook = await getWebhook(db, tenant, id);
    if (!webhook) throw notFound("Webhook", id);
    return webhook;
  }

  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/webhooks",
      operationId: "listWebhooks",
      summary: "List the tenant's webhooks (never their secrets).",
      tag: "webhooks",
      auth: "required",
      params: z.strictObject({ tenant: TenantName }),
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of webhooks.", schema: pageOf(WebhookView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1, shape: [/^[0-9A-Z]{26}$/] },
          fetch: (after, limit) => listWebhooks(db, params.tenant, { after: after?.[0], limit }),
          keyOf: (row) => [row.id],
          view: viewOf,
        });
        return { body };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/webhooks",
      operationId: "createWebhook",
      summary: "Add a webhook: notifications of the chosen events are POSTed to it, signed with a secret shown once.",
      tag: "webhooks",
      auth: "required",
      audit: "webhooks.create",
      params: z.strictObject({ tenant: TenantName }),
      body: z.strictObject({
        url: z
          .string()
          .min(1)
          .max(2048)
          .describe(
            "http(s) URL that receives the notifications. Loopback, link-local, private, unique-local, multicast and unspecified addresses are refused unless a platform admin allows them.",
          ),
        format: z
          .enum(["loco", "slack"])
          .default("loco")
          .describe("loco: the notification as JSON; slack: a Slack-compatible { text } message."),
        events: z
          .array(EventType)
          .min(1)
          .max(NOTIFICATION_TYPES.length)
          .default([...NOTIFICATION_TYPES])
          .describe("Which notifications to send (default: all)."),
        description: z.string().max(200).default("").describe("What the webhook is for."),
      }),
      responses: {
        201: { description: "The webhook, with its secret (shown once).", schema: CreatedWebhook },
        503: {
          description:
            "This loco API has no key-encryption key to seal signing secrets with (reason WebhooksNeedKey): a platform admin gives loco-api the operator's key (LOCO_KEK_FILE).",
        },
      },
      handler: async ({ authorize, params, body, principal, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "write" });
        const { keyRing } = services;
        if (!keyRing) {
          throw new ApiError(
            "Unavailable",
            "Webhooks cannot be added on this loco API: it has no key-encryption key to seal their signing secrets with (secrets are encrypted at rest). A platform admin must give loco-api the same key-encryption key as the operator: LOCO_KEK_FILE (or LOCO_KEK); the Helm chart does this when the operator's key is set.",
            { extra: { reason: "WebhooksNeedKey", setting: "LOCO_KEK_FILE" } },
          );
        }
        let target: URL;
        try {
          target = await checkTarget(body.url, allowed());
        } catch (error) {
          if (!(error instanceof TargetRefused)) throw error;
          throw new ApiError("InvalidRequest", `The webhook URL is refused: ${error.message}.`, {
            errors: [{ field: "url", message: error.message }],
          });
        }
        auditTarget(`Webhook/${target.host}`, { format: body.format, events: body.events });
        const existing = await listWebhooks(db, params.tenant, { limit: MAX_WEBHOOKS_PER_TENANT });
        if (existing.length >= MAX_WEBHOOKS_PER_TENANT) {
          throw new ApiError(
            "Conflict",
            `Tenant ${params.tenant} has ${MAX_WEBHOOKS_PER_TENANT} webhooks, the most it may have. Remove one with \`loco webhook rm\` first.`,
          );
        }
        const secret = `whsec_${randomBytes(32).toString("base64url")}`;
        const webhook = await createWebhook(db, keyRing, {
          tenant: params.tenant,
          url: target.href,
          format: body.format,
          events: [...new Set(body.events)],
          description: body.description,
          secret,
          createdBy: actorOf(principal),
        });
        auditTarget(`Webhook/${webhook.id}`, { host: target.host });
        return { status: 201, headers: noStore, body: { webhook: viewOf(webhook), secret } };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/webhooks/:id",
      operationId: "getWebhook",
      summary: "Show one webhook (never its secret).",
      tag: "webhooks",
      auth: "required",
      params: WebhookParams,
      responses: {
        200: { description: "The webhook.", schema: WebhookView },
        404: { description: "No such webhook." },
      },
      handler: async ({ authorize, params }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "read" });
        return { body: viewOf(await found(params.tenant, params.id)) };
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/v1/tenants/:tenant/webhooks/:id",
      operationId: "deleteWebhook",
      summary:
        "Remove a webhook, its pending deliveries and its delivery log. Removing one already removed answers 204 again.",
      tag: "webhooks",
      auth: "required",
      audit: "webhooks.delete",
      params: WebhookParams,
      responses: { 204: { description: "Removed." }, 404: { description: "No such webhook." } },
      handler: async ({ authorize, params, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "delete" });
        auditTarget(`Webhook/${params.id}`);
        if (!(await deleteWebhook(db, params.tenant, params.id))) throw notFound("Webhook", params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/v1/tenants/:tenant/webhooks/:id/test",
      operationId: "testWebhook",
      summary: "Queue a signed test notification (type webhook.test) to the webhook; follow it in its deliveries.",
      tag: "webhooks",
      auth: "required",
      audit: "webhooks.test",
      params: WebhookParams,
      responses: {
        202: { description: "Queued.", schema: TestDelivery },
        404: { description: "No such webhook." },
      },
      handler: async ({ authorize, params, principal, auditTarget }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "write" });
        auditTarget(`Webhook/${params.id}`);
        const webhook = await found(params.tenant, params.id);
        const eventId = `test_${ulid()}`;
        const deliveryId = await enqueueDelivery(db, webhook, {
          id: eventId,
          type: "webhook.test",
          occurredAt: new Date().toISOString(),
          tenant: params.tenant,
          namespace: "",
          profile: "",
          object: { kind: "App", name: "" },
          deploymentId: null,
          reason: "WebhookTest",
          message: `A test notification sent by ${actorOf(principal)}.`,
          actor: actorOf(principal),
        });
        return { status: 202, body: { deliveryId, eventId } };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/webhooks/:id/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "A webhook's delivery log, newest first: state, attempts, last error and response code.",
      tag: "webhooks",
      auth: "required",
      params: WebhookParams,
      query: z.strictObject(pageQuery),
      responses: {
        200: { description: "A page of deliveries.", schema: pageOf(DeliveryView) },
        404: { description: "No such webhook." },
      },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "webhooks", action: "read" });
        await found(params.tenant, params.id);
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1, shape: [/^\d{1,19}$/] },
          fetch: (before, limit) => listDeliveries(db, params.tenant, params.id, { before: before?.[0], limit }),
          keyOf: (row) => [row.id],
          view: deliveryViewOf,
        });
        return { body };
      },
    }),
  ];
}
