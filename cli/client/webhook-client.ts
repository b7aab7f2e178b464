// The API's webhook operations for the CLI (api/routes/webhooks.ts): one function per operation over the shared
// ApiClient, typed by the API's own route declarations.
import type { z } from "zod";
import type {
  CreatedWebhook as CreatedWebhookSchema,
  DeliveryView as DeliveryViewSchema,
  WebhookView as WebhookViewSchema,
} from "../../api/routes/webhooks.ts";
import type { ApiClient } from "./api-client.ts";

export type WebhookView = z.output<typeof WebhookViewSchema>;
export type CreatedWebhook = z.output<typeof CreatedWebhookSchema>;
export type DeliveryView = z.output<typeof DeliveryViewSchema>;
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const path = (tenant: string) => `/v1/tenants/${encodeURIComponent(tenant)}/webhooks`;

export const createWebhook = (
  client: ApiClient,
  tenant: string,
  body: { url: string; format: "loco" | "slack"; events?: string[]; description?: string },
) => client.request<CreatedWebhook>("POST", path(tenant), { body });

export const listWebhooks = (client: ApiClient, tenant: string) =>
  client.all((cursor) => client.request<Page<WebhookView>>("GET", path(tenant), { query: { cursor } }));

export const deleteWebhook = (client: ApiClient, tenant: string, id: string) =>
  client.request<unknown>("DELETE", `${path(tenant)}/${encodeURIComponent(id)}`);

export const listDeliveries = (client: ApiClient, tenant: string, id: string, limit: number) =>
  client.request<Page<DeliveryView>>("GET", `${path(tenant)}/${encodeURIComponent(id)}/deliveries`, {
    query: { limit: String(limit) },
  });

export const testWebhook = (client: ApiClient, tenant: string, id: string) =>
  client.request<{ deliveryId: string; eventId: string }>("POST", `${path(tenant)}/${encodeURIComponent(id)}/test`);
