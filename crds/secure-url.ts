// Whether a URL may carry credentials: https, or plain http to a loopback host, where the traffic never leaves the
// machine (a local OpenID Provider in development and tests). Anything else over http would expose tokens, device
// codes and refresh tokens on the network. One rule for the API (its --oidc-issuer) and the CLI (which checks again,
// since it may talk to an older or misconfigured server): both may import crds/, and neither may import the other.

/** localhost, 127.0.0.0/8 and ::1 (as the WHATWG URL parser writes hosts: `127.1` is already `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True for https:// URLs, and for http:// URLs whose host is loopback. */
export function isSecureOrLoopback(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && isLoopbackHost(url.hostname);
}

export const INSECURE_ISSUER_MESSAGE =
  "must use https:// (plain http:// is accepted only for a loopback host: localhost, 127.0.0.0/8 or ::1)";
