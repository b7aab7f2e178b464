// HostnameClaim: who serves a hostname, one cluster-scoped object per hostname. The apiserver keeps object names
// unique, so creating the claim is the atomic "first one wins" that no cache or operator shard can get wrong; holders
// change only by an update carrying the resourceVersion that was read. Written by the operator, never by tenants.
import { z } from "zod";
import { dnsLabel, hostname, kubernetesObject } from "./common.ts";

export const ClaimHolder = z.strictObject({
  namespace: dnsLabel().describe("Namespace of the App that holds the hostname."),
  app: dnsLabel().describe("Name of the App that holds the hostname."),
  uid: z
    .string()
    .min(1)
    .max(64)
    .describe(
      "UID of that App when it took the claim. An App re-created under the same namespace and name (restored after a disaster, say) is the same holder and writes its new UID here.",
    ),
  protocol: z.enum(["HTTP", "GRPC"]).describe("Route the App serves on the hostname."),
  service: z
    .string()
    .min(1)
    .max(256)
    .describe("gRPC service the App serves there, or * for every service (HTTP holders are always *)."),
});
export type ClaimHolder = z.infer<typeof ClaimHolder>;

export const HostnameClaimSpec = z
  .strictObject({
    hostname: hostname().describe("The hostname claimed, as the App's route names it (*.example.com for a wildcard)."),
    holders: z
      .array(ClaimHolder)
      .max(64)
      .describe(
        "The Apps serving the hostname: one App, or several gRPC Apps of one namespace serving different services.",
      ),
  })
  .describe("Desired state of the HostnameClaim.");
export type HostnameClaimSpec = z.infer<typeof HostnameClaimSpec>;

export const HostnameClaimStatus = z.strictObject({}).describe("HostnameClaims have no status.");

export const HostnameClaim = kubernetesObject("HostnameClaim", HostnameClaimSpec, HostnameClaimStatus);
export type HostnameClaim = z.infer<typeof HostnameClaim>;

/**
 * The claim's object name: the hostname itself, and `wildcard.<domain>` for `*.<domain>` ('*' is not allowed in
 * names). A literal `wildcard.<domain>` hostname therefore shares its claim with `*.<domain>`; spec.hostname tells
 * them apart, and whoever holds the object holds both.
 */
export function claimName(host: string): string {
  return host.startsWith("*.") ? `wildcard.${host.slice(2)}` : host;
}

/**
 * Set by the resurrector on a claim it restores from the database. The claim's holders get RESTORE_GRACE_MS from the
 * claim's creation to be restored too before another App may take it over (hostname-claim-holders.ts holderHolds).
 * The operator's next write of the claim drops it.
 */
export const ANNOTATION_RESTORED = "loco.dev/restored";

/** How long the holders of a restored claim keep it while their Apps do not exist yet. */
export const RESTORE_GRACE_MS = 10 * 60_000;
