// The deploy's hostname check: before an App spec is written, each hostname it would serve is judged by the same
// rules the operator applies (crds/hostname-policy.ts) and looked up in its HostnameClaim. Refused by the rules:
// 403; held by another live App: 409. Both name the field and the hostname, and never the holder when it is
// another tenant's — only "taken by another tenant", or which of the caller's own Apps holds it.
// The claim itself is taken by the operator; this check only spares the user a write that could not be served.
import type { AppSpec } from "../../crds/app.ts";
import { LABEL_TENANT } from "../../crds/app-names.ts";
import { type ClaimHolder, claimName, type HostnameClaim } from "../../crds/hostname-claim.ts";
import { blockingHolders, holderHolds } from "../../crds/hostname-claim-holders.ts";
import {
  appDefaultHostname,
  appHostnames,
  grantsOf,
  judgeHostname,
  type SharedDomain,
  sharedDomainOf,
} from "../../crds/hostname-policy.ts";
import { APP, HOSTNAME_CLAIM } from "../../crds/kinds.ts";
import { listAllClusterResources } from "../../db/stores/resources.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import { ApiError } from "../errors.ts";
import type { ApiServices } from "../server.ts";

export interface HostnameCheckRequest {
  tenant: string;
  namespace: string;
  profile: string;
  app: string;
  spec: AppSpec;
}

/** Throws 403 or 409 (problem+json naming the field) when the App may not serve one of its hostnames. */
export async function hostnameCheck(services: ApiServices, request: HostnameCheckRequest): Promise<void> {
  const { db, kube } = services;
  const { tenant, namespace, profile, app, spec } = request;
  // The App's Profile is one of every Profile, which the rules read anyway (every Profile's shared domains, as the
  // operator reads them): one query on every deploy's path, one more per thousand Profiles.
  const profiles = await listAllClusterResources(db, "Profile");
  const profileRow = profiles.find((row) => row.name === profile);
  const profileSpec = profileRow?.spec as { hostnameTemplate?: string; baseDomain?: string } | null | undefined;
  if (!profileSpec?.baseDomain) return; // appNamespace already refused an unknown Profile
  const ownDefault = appDefaultHostname({
    app,
    tenant,
    project: spec.project,
    profile,
    profileSpec: {
      baseDomain: profileSpec.baseDomain,
      hostnameTemplate: profileSpec.hostnameTemplate ?? "{app}-{tenant}.{baseDomain}",
    },
  });
  const shared = profiles
    .map((row) => sharedDomainOf(row.name, row.spec))
    .filter((s): s is SharedDomain => s !== undefined);
  const asker = { tenant, app, ownDefault, grants: grantsOf(profileRow?.spec, tenant) };
  const requested = appHostnames(spec, ownDefault);
  // A blue-green App's preview hostname is served on each protocol its routes serve, under the same rules.
  const preview = spec.rollout?.strategy === "blueGreen" ? spec.rollout.blueGreen?.previewHostname : undefined;
  for (const protocol of ["http", "grpc"] as const) {
    const named = spec.routes?.[protocol]?.hostnames !== undefined;
    const hosts = requested[protocol].map((host, index) => ({
      host,
      field: named ? `spec.routes.${protocol}.hostnames[${index}]` : `spec.routes.${protocol}.hostnames`,
    }));
    if (preview !== undefined && hosts.length > 0) {
      hosts.push({ host: preview, field: "spec.rollout.blueGreen.previewHostname" });
    }
    for (const { host, field } of hosts) {
      const refusal = judgeHostname(host, asker, shared);
      if (refusal) throw new ApiError("Forbidden", refusal.message, { errors: [{ field, message: refusal.message }] });
      const grpcServices = protocol === "grpc" ? (spec.routes?.grpc?.services ?? ["*"]) : ["*"];
      const mine = grpcServices.map(
        (service): ClaimHolder => ({
          namespace,
          app,
          uid: "",
          protocol: protocol === "grpc" ? "GRPC" : "HTTP",
          service,
        }),
      );
      const holder = await liveBlocker(kube, host, mine);
      if (!holder) continue;
      const holderTenant = (await kube.find(NAMESPACE, undefined, holder.namespace))?.metadata.labels?.[LABEL_TENANT];
      const message =
        holderTenant === tenant
          ? `${host} is already served by your App ${holder.app} (namespace ${holder.namespace}); choose another hostname in ${field}, or free it there first.`
          : `${host} is already taken by another tenant; choose another hostname in ${field}.`;
      throw new ApiError("Conflict", message, { errors: [{ field, message }] });
    }
  }
}

/** The holder of the hostname's claim that keeps the App out, if it still holds (the operator's rule: a stale claim is free). */
async function liveBlocker(
  kube: ApiServices["kube"],
  host: string,
  mine: ClaimHolder[],
): Promise<ClaimHolder | undefined> {
  const claim = await kube.find<HostnameClaim>(HOSTNAME_CLAIM, undefined, claimName(host));
  if (!claim) return undefined;
  const holders = claim.spec.holders ?? [];
  const blocking =
    claim.spec.hostname === host
      ? blockingHolders(holders, mine)
      : holders.filter((h) => h.namespace !== mine[0]?.namespace || h.app !== mine[0]?.app);
  for (const holder of blocking) {
    if (holderHolds(await kube.find(APP, holder.namespace, holder.app), claim, new Date())) return holder;
  }
  return undefined;
}
