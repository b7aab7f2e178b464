// How an App's URLs start: the scheme (and a port other than the scheme's own) of the Gateway listener its routes
// attach to, so that `status.url` is an address a browser can open. A route names its Profile's gateway and, with
// `sectionName`, one listener; without one it attaches to every listener of the Gateway, and TLS wins when any of
// them terminates it. A Gateway the operator cannot see (not created yet, or no listener by that name) gives
// `https` on 443: what an installation serves Apps on, and the Profile's own condition already reports the missing
// Gateway. Pure: the Gateway object in, the origin out.
import type { KubeObject } from "../../../kube/types.ts";
import type { GatewayRef } from "./gateway-verdict.ts";

export interface UrlOrigin {
  /** TLS terminated at the listener: https:// and grpcs://; otherwise http:// and grpc://. */
  secure: boolean;
  /** The listener's port when it is not the scheme's default (443 for TLS, 80 without). */
  port?: number;
}

interface Listener {
  name?: string;
  port?: number;
  protocol?: string;
}

const TLS_PROTOCOLS = new Set(["HTTPS", "TLS"]);
const PLAIN_PROTOCOLS = new Set(["HTTP"]);

/** The origin of URLs served through `gateway` (the Profile's spec.gateway), given the live Gateway object. */
export function urlOrigin(gateway: GatewayRef, gatewayObject: KubeObject | undefined): UrlOrigin {
  const listeners = ((gatewayObject?.spec as { listeners?: Listener[] } | undefined)?.listeners ?? []).filter(
    (l) => !gateway.sectionName || l.name === gateway.sectionName,
  );
  const secure = listeners.find((l) => TLS_PROTOCOLS.has(l.protocol ?? ""));
  const plain = listeners.find((l) => PLAIN_PROTOCOLS.has(l.protocol ?? ""));
  const chosen = secure ?? plain;
  if (!chosen) return { secure: true };
  const isSecure = chosen === secure;
  const defaultPort = isSecure ? 443 : 80;
  return chosen.port !== undefined && chosen.port !== defaultPort
    ? { secure: isSecure, port: chosen.port }
    : { secure: isSecure };
}

/** `<scheme>://<host>[:port]` for an HTTP (`http`) or gRPC (`grpc`) route's hostname. */
export function originOf(kind: "http" | "grpc", host: string, origin: UrlOrigin): string {
  const scheme = `${kind}${origin.secure ? "s" : ""}`;
  return `${scheme}://${host}${origin.port !== undefined ? `:${origin.port}` : ""}`;
}
