// Reading the world for one App: its tenant, the routes it may serve after the hostname rules and other Apps' claims, its siblings and
// the digest of the Secret values it reads — everything the pure builders in desired.ts take, from the caches.
import { LABEL_TENANT, secretName } from "../../../crds/app-names.ts";
import type { WorldCaches } from "../../caches.ts";
import { ownerReferenceTo } from "../../runtime/children.ts";
import type { ProfileObject } from "../profile/objects.ts";
import type { Claim } from "./app-claims.ts";
import { type AppInputs, type GrantedRoutes, protocolsWithoutDefaultHostname, requestedHostnames } from "./desired.ts";
import { PROJECT_INDEX } from "./indexes.ts";
import type { AppObject } from "./objects.ts";
import { secretDigest } from "./secret-digest.ts";

export interface AppWorld {
  inputs: AppInputs;
  /** Protocols whose ports need a default hostname the tenant does not get ('-' in its name). */
  withoutDefault: ("http" | "grpc")[];
}

/** The tenant an App's namespace belongs to; a namespace without a tenant label stands for itself. */
export function tenantOf(
  caches: Pick<WorldCaches, "namespaces">,
  namespace: string,
): { tenant: string; tenantIsNamespaceName?: true } {
  const label = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT];
  return label === undefined ? { tenant: namespace, tenantIsNamespaceName: true } : { tenant: label };
}

export function readAppWorld(
  caches: Pick<WorldCaches, "namespaces" | "apps" | "secrets">,
  app: AppObject,
  profile: ProfileObject,
  /** Claims refused by the hostname rules or held by another App: their hostnames are left out of the routes. */
  denials: readonly { claim: Claim }[],
): AppWorld {
  const name = app.metadata.name ?? "";
  const namespace = app.metadata.namespace ?? "";
  const spec = app.spec;
  const tenant = tenantOf(caches, namespace);
  const hostnameInputs = {
    app: { name, namespace, uid: app.metadata.uid ?? "" },
    spec,
    profile: profile.spec,
    ...tenant,
    profileName: spec.profile,
  };
  const requested = requestedHostnames(hostnameInputs);
  const deniedHosts = (protocol: "http" | "grpc") =>
    new Set(denials.filter((d) => d.claim.protocol === protocol).map((d) => d.claim.host));
  const granted: GrantedRoutes = {
    http: requested.http.filter((h) => !deniedHosts("http").has(h)),
    grpc: requested.grpc.filter((h) => !deniedHosts("grpc").has(h)),
  };
  const siblings = caches.apps
    .byIndex(PROJECT_INDEX, `${namespace}/${spec.project ?? ""}`)
    .filter(() => spec.project !== undefined)
    .map((other) => ({ name: other.metadata.name ?? "", port: ((other as AppObject).spec.ports ?? [])[0]?.port }));
  const secretKeys = (spec.secretEnv ?? []).map((s) => s.secretKey);
  return {
    inputs: {
      app: { name, namespace, uid: app.metadata.uid ?? "" },
      spec,
      profileName: spec.profile,
      profile: profile.spec,
      ...tenant,
      owner: ownerReferenceTo(app),
      siblings,
      routes: granted,
      secretHash: secretDigest(caches.secrets.get(`${namespace}/${secretName(name)}`), secretKeys),
    },
    withoutDefault: protocolsWithoutDefaultHostname(hostnameInputs),
  };
}
