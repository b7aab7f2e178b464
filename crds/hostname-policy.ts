// Who may serve which hostname, decided the same way by the API (before a deploy) and the operator (for objects
// that come from kubectl or Git). Pure: the caller brings the App's own default hostname, its tenant's domain grants
// in the App's Profile, and every Profile's shared base domain. Whether another App already holds the hostname is
// not decided here but by the HostnameClaim objects (crds/hostname-claim.ts).
//
// The rules, in order:
// 1. An App may always serve its own default hostname.
// 2. A wildcard may never cover a shared base domain (`*.apps.example.com`, or `*.example.com` above it): it would
//    catch every tenant's hostnames there.
// 3. A hostname of the default-hostname shape under a base domain (`{app}-{tenant}.apps.example.com`) is reserved
//    to the tenant and App it names, in every Profile. Tenant names have no '-', so the split is unambiguous.
// 4. Anything else must lie inside a domain the platform admin granted the tenant (Profile spec.domainGrants);
//    a wildcard hostname needs a wildcard grant (`*.example.com`).

import type { AppSpec } from "./app.ts";
import { followsTenantNameRule } from "./common.ts";

export function hostnameFor(
  template: string,
  values: { app: string; tenant: string; project?: string; profile: string; baseDomain: string },
): string {
  return template
    .replaceAll("{app}", values.app)
    .replaceAll("{tenant}", values.tenant)
    .replaceAll("{project}", values.project ?? values.app)
    .replaceAll("{profile}", values.profile)
    .replaceAll("{baseDomain}", values.baseDomain);
}

/**
 * An App's default hostname from its Profile's template, or undefined when it could be another tenant's. The
 * template joins app and tenant with '-' ({app}-{tenant}), which only tenant names without '-' keep injective (the
 * tenant-name rule, crds/common.ts): for tenant "api-acme", App "shop" would get the hostname of App "shop-api" of
 * tenant "acme". Tenants named before the rule get no default; their Apps name their hostnames in spec.routes. A
 * namespace without a tenant label stands for itself (only cluster admins create those).
 */
export function appDefaultHostname(values: {
  app: string;
  tenant: string;
  tenantIsNamespaceName?: boolean | undefined;
  project?: string | undefined;
  profile: string;
  profileSpec: { hostnameTemplate: string; baseDomain: string };
}): string | undefined {
  if (!values.tenantIsNamespaceName && !followsTenantNameRule(values.tenant)) return undefined;
  return hostnameFor(values.profileSpec.hostnameTemplate, {
    app: values.app,
    tenant: values.tenant,
    profile: values.profile,
    baseDomain: values.profileSpec.baseDomain,
    ...(values.project ? { project: values.project } : {}),
  });
}

/** The hostnames an App asks for per protocol: spec.routes' hostnames, else its default, for each protocol it serves. */
export function appHostnames(
  spec: Pick<AppSpec, "ports" | "routes">,
  defaultHost: string | undefined,
): { http: string[]; grpc: string[] } {
  const fallback = defaultHost === undefined ? [] : [defaultHost];
  const serves = (protocol: "HTTP" | "GRPC") => (spec.ports ?? []).some((p) => p.protocol === protocol);
  return {
    http: serves("HTTP") ? (spec.routes?.http?.hostnames ?? fallback) : [],
    grpc: serves("GRPC") ? (spec.routes?.grpc?.hostnames ?? fallback) : [],
  };
}

/** A Profile's shared domain: its base domain and the template its Apps' default hostnames follow. */
export interface SharedDomain {
  profile: string;
  baseDomain: string;
  hostnameTemplate: string;
}

export interface HostnameAsker {
  tenant: string;
  app: string;
  /** The App's own default hostname, when it has one. */
  ownDefault: string | undefined;
  /** The tenant's granted domains in the App's Profile (`example.com`, `*.example.com`). */
  grants: readonly string[];
}

export type HostnameRefusalCode = "WildcardOverBaseDomain" | "ReservedDefaultHostname" | "NotGranted";

export interface HostnameRefusal {
  code: HostnameRefusalCode;
  /** A sentence naming the hostname, why it is refused and what to do; never another tenant's objects. */
  message: string;
}

const within = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The tenant and App a hostname of a Profile's default shape names, or undefined when it has another shape. */
export function defaultHostnameOwner(host: string, shared: SharedDomain): { tenant: string; app: string } | undefined {
  const groups: ("app" | "tenant")[] = [];
  const pattern = shared.hostnameTemplate.replace(
    /\{(app|tenant|project|profile|baseDomain)\}|[^{]+|\{/g,
    (part, placeholder: string | undefined) => {
      switch (placeholder) {
        case "app":
          groups.push("app");
          return "([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)";
        case "tenant":
          groups.push("tenant");
          return "([a-z0-9]+)";
        case "project":
          return "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";
        case "profile":
          return literal(shared.profile);
        case "baseDomain":
          return literal(shared.baseDomain);
        default:
          return literal(part);
      }
    },
  );
  const match = new RegExp(`^${pattern}$`).exec(host);
  if (!match) return undefined;
  const value = (name: "app" | "tenant") => match[groups.indexOf(name) + 1] ?? "";
  return { tenant: value("tenant"), app: value("app") };
}

function grantCovers(grant: string, host: string): boolean {
  const wildcardGrant = grant.startsWith("*.");
  const grantDomain = wildcardGrant ? grant.slice(2) : grant;
  if (host.startsWith("*.")) return wildcardGrant && within(host.slice(2), grantDomain);
  return within(host, grantDomain);
}

/** Whether the App may serve `host`; undefined when it may (subject to the claim), else why not. */
export function judgeHostname(
  host: string,
  asker: HostnameAsker,
  shared: readonly SharedDomain[],
): HostnameRefusal | undefined {
  if (host === asker.ownDefault) return undefined;
  if (host.startsWith("*.")) {
    const domain = host.slice(2);
    const covered = shared.find((s) => within(s.baseDomain, domain));
    if (covered) {
      return {
        code: "WildcardOverBaseDomain",
        message: `${host} would cover the shared base domain ${covered.baseDomain}, where every tenant's Apps get their hostnames; name hostnames inside a domain granted to your tenant instead.`,
      };
    }
  } else {
    for (const domain of shared) {
      const owner = within(host, domain.baseDomain) ? defaultHostnameOwner(host, domain) : undefined;
      if (!owner || (owner.tenant === asker.tenant && owner.app === asker.app)) continue;
      const yours = owner.tenant === asker.tenant ? ` (it is the default hostname of your App ${owner.app})` : "";
      return {
        code: "ReservedDefaultHostname",
        message: `${host} has the shape of a default hostname under the shared base domain ${domain.baseDomain}, which is reserved to the App and tenant it names${yours}; choose a hostname inside a domain granted to your tenant, or leave spec.routes out to serve ${asker.ownDefault ?? "the App's default hostname"}.`,
      };
    }
  }
  if (asker.grants.some((grant) => grantCovers(grant, host))) return undefined;
  const wildcard = host.startsWith("*.") ? " (a wildcard needs a wildcard grant such as *.example.com)" : "";
  return {
    code: "NotGranted",
    message: `${host} is not inside a domain granted to tenant ${asker.tenant} in this Profile${wildcard}; ask a platform admin to add it to the Profile's spec.domainGrants, or leave spec.routes out to serve ${asker.ownDefault ?? "the App's default hostname"}.`,
  };
}

/** The tenant's granted domains in a Profile spec (read from the operator's cache or the API's mirror). */
export function grantsOf(profileSpec: unknown, tenant: string): string[] {
  const grants = (profileSpec as { domainGrants?: { tenant?: string; domains?: string[] }[] } | null | undefined)
    ?.domainGrants;
  return (grants ?? []).find((g) => g.tenant === tenant)?.domains ?? [];
}

/** The shared domain of a Profile object (name + spec), or undefined when its spec lacks a base domain. */
export function sharedDomainOf(profile: string, profileSpec: unknown): SharedDomain | undefined {
  const spec = profileSpec as { baseDomain?: unknown; hostnameTemplate?: unknown } | null | undefined;
  if (typeof spec?.baseDomain !== "string") return undefined;
  return {
    profile,
    baseDomain: spec.baseDomain,
    hostnameTemplate: typeof spec.hostnameTemplate === "string" ? spec.hostnameTemplate : "{app}-{tenant}.{baseDomain}",
  };
}
