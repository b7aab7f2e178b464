// What an App claims in the cluster-wide route claims (route-claims.ts): its requested hostnames, and for gRPC
// each service it names. Pure; nothing while its Profile is missing.

import type { ProfileObject } from "../profile/objects.ts";
import { requestedGrpcServices, requestedHostnames } from "./desired.ts";
import type { AppObject } from "./objects.ts";
import type { Claim } from "./route-claims.ts";

export function appClaims(
  app: AppObject,
  profile: ProfileObject | undefined,
  tenant: { tenant: string; tenantIsNamespaceName?: true },
): Claim[] {
  if (!profile) return [];
  const requested = requestedHostnames({
    app: { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "", uid: "" },
    spec: app.spec,
    profile: profile.spec,
    ...tenant,
    profileName: app.spec.profile,
  });
  return [
    ...requested.http.map((host): Claim => ({ protocol: "http", host, service: "*" })),
    ...requested.grpc.flatMap((host) =>
      requestedGrpcServices(app.spec).map((service): Claim => ({ protocol: "grpc", host, service })),
    ),
  ];
}
