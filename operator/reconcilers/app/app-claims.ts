// What an App asks of the hostname rules: its requested hostnames (and for gRPC each service it names), and which of
// them the rules refuse before any claim is taken (crds/hostname-policy.ts). Pure; nothing while its Profile is
// missing.
import {
  grantsOf,
  type HostnameRefusal,
  judgeHostname,
  type SharedDomain,
  sharedDomainOf,
} from "../../../crds/hostname-policy.ts";
import type { ProfileObject } from "../profile/objects.ts";
import { defaultHostname, requestedGrpcServices, requestedHostnames } from "./desired.ts";
import type { AppObject } from "./objects.ts";

export interface Claim {
  protocol: "http" | "grpc";
  host: string;
  /** gRPC service, or "*" for every service (HTTP claims are always "*"). */
  service: string;
}

/** A requested hostname the rules refuse, whoever holds it. */
export interface Refusal {
  claim: Claim;
  refusal: HostnameRefusal;
}

type Tenant = { tenant: string; tenantIsNamespaceName?: true };

function hostnameInputs(app: AppObject, profile: ProfileObject, tenant: Tenant) {
  return {
    app: { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "", uid: "" },
    spec: app.spec,
    profile: profile.spec,
    ...tenant,
    profileName: app.spec.profile,
  };
}

/** A blue-green App's preview hostname (ADR 0012), claimed under the same rules as its routes' hostnames. */
export const previewHostnameOf = (app: AppObject): string | undefined =>
  app.spec.rollout?.strategy === "blueGreen" ? app.spec.rollout.blueGreen?.previewHostname : undefined;

export function appClaims(app: AppObject, profile: ProfileObject | undefined, tenant: Tenant): Claim[] {
  if (!profile) return [];
  const requested = requestedHostnames(hostnameInputs(app, profile, tenant));
  const preview = previewHostnameOf(app);
  // The preview host serves whichever protocols the App's routes do.
  const hosts = (main: string[]) => (preview !== undefined && main.length > 0 ? [...main, preview] : main);
  return [
    ...hosts(requested.http).map((host): Claim => ({ protocol: "http", host, service: "*" })),
    ...hosts(requested.grpc).flatMap((host) =>
      requestedGrpcServices(app.spec).map((service): Claim => ({ protocol: "grpc", host, service })),
    ),
  ];
}

/**
 * The App's claims split into those it may take and those the hostname rules refuse. `profiles` are every Profile
 * the operator sees: their base domains are shared by all tenants.
 */
export function judgeAppClaims(
  app: AppObject,
  profile: ProfileObject,
  tenant: Tenant,
  profiles: readonly ProfileObject[],
): { allowed: Claim[]; refused: Refusal[] } {
  const shared = [profile, ...profiles]
    .map((p) => sharedDomainOf(p.metadata.name ?? "", p.spec))
    .filter((s): s is SharedDomain => s !== undefined);
  const asker = {
    tenant: tenant.tenant,
    app: app.metadata.name ?? "",
    ownDefault: defaultHostname(hostnameInputs(app, profile, tenant)),
    grants: grantsOf(profile.spec, tenant.tenant),
  };
  const allowed: Claim[] = [];
  const refused: Refusal[] = [];
  for (const claim of appClaims(app, profile, tenant)) {
    const refusal = judgeHostname(claim.host, asker, shared);
    if (refusal) refused.push({ claim, refusal });
    else allowed.push(claim);
  }
  return { allowed, refused };
}
