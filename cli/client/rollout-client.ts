// The API's canary rollout operations for the CLI (api/routes/rollouts.ts): one function per operation over the shared
// ApiClient, typed by the API's own route declarations (api/contract.ts).
import type { RolloutView } from "../../api/contract.ts";
import type { ApiClient } from "./api-client.ts";

export type { RolloutView };

const path = (tenant: string, app: string) =>
  `/v1/tenants/${encodeURIComponent(tenant)}/apps/${encodeURIComponent(app)}/rollout`;

export const getRollout = (client: ApiClient, tenant: string, app: string, profile: string) =>
  client.request<RolloutView>("GET", path(tenant, app), { query: { profile } });

export const requestRollout = (
  client: ApiClient,
  tenant: string,
  app: string,
  profile: string,
  verb: "promote" | "abort",
) => client.request<RolloutView>("POST", `${path(tenant, app)}/${verb}`, { query: { profile } });
