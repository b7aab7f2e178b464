// The one table of who may do what inside a tenant: the lowest role allowed per (resource, action).
import type { Role } from "../auth/principal.ts";

export type TenantResource = "tenant" | "apps" | "pipelines" | "runs" | "members" | "tokens" | "audit" | "webhooks";
export type Action = "read" | "write" | "delete";

export const minimumRole: Record<TenantResource, Record<Action, Role>> = {
  tenant: { read: "viewer", write: "owner", delete: "owner" },
  apps: { read: "viewer", write: "developer", delete: "developer" },
  pipelines: { read: "viewer", write: "developer", delete: "developer" },
  // Starting and cancelling Runs is a write.
  runs: { read: "viewer", write: "developer", delete: "developer" },
  members: { read: "viewer", write: "admin", delete: "admin" },
  // Developers mint tokens for CI (never above their own role); listing and revoking others' tokens is for admins.
  tokens: { read: "developer", write: "developer", delete: "developer" },
  audit: { read: "admin", write: "owner", delete: "owner" },
  // A webhook sends the tenant's events outside the platform: adding or removing one is for admins; developers may
  // see them and their delivery logs (a Slack-style URL, itself a credential, is shown shortened).
  webhooks: { read: "developer", write: "admin", delete: "admin" },
};
