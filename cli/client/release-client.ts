// The API's release and secret-version operations for the CLI (api/routes/releases.ts): typed shapes and one
// function per operation over the shared ApiClient, apart from api-client.ts so that other commands do not load it.
import type { Promoted, Release, ReleaseDetail, RolledBack, SecretsView } from "../../api/contract.ts";
import type { ApiClient, Page } from "./api-client.ts";

export type { Promoted, Release, ReleaseDetail, RolledBack, SecretsView };

const segment = encodeURIComponent;
const appPath = (tenant: string, app: string) => `/v1/tenants/${segment(tenant)}/apps/${segment(app)}`;

export const listReleases = (
  client: ApiClient,
  tenant: string,
  app: string,
  profile: string,
  options: { cursor?: string | undefined; limit?: number | undefined } = {},
) =>
  client.request<Page<Release>>("GET", `${appPath(tenant, app)}/releases`, {
    query: { profile, cursor: options.cursor, limit: options.limit === undefined ? undefined : String(options.limit) },
  });

export const getRelease = (client: ApiClient, tenant: string, app: string, profile: string, release: number) =>
  client.request<ReleaseDetail>("GET", `${appPath(tenant, app)}/releases/${release}`, { query: { profile } });

export const rollbackRelease = (client: ApiClient, tenant: string, app: string, profile: string, release: number) =>
  client.request<RolledBack>("POST", `${appPath(tenant, app)}/releases/${release}/rollback`, { query: { profile } });

export const promoteRelease = (client: ApiClient, tenant: string, app: string, from: string, to: string) =>
  client.request<Promoted>("POST", `${appPath(tenant, app)}/promotions`, { body: { from, to } });

export const listSecrets = (client: ApiClient, tenant: string, app: string, profile: string) =>
  client.request<SecretsView>("GET", `${appPath(tenant, app)}/secrets`, { query: { profile } });
