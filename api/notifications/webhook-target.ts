// Where a webhook may point: an http(s) URL without credentials whose host resolves only to addresses the SSRF rule
// allows (address-class.ts). Checked when a webhook is created (to refuse early, with the reason) and again at every
// connection (send-webhook.ts), because DNS answers change: the address connected to is the address checked.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type AddressClass, refusalOf } from "./address-class.ts";

export type Resolve = (hostname: string) => Promise<string[]>;

export const resolveAll: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export class TargetRefused extends Error {
  override name = "TargetRefused";
  readonly addressClass: AddressClass | undefined;
  constructor(message: string, addressClass?: AddressClass) {
    super(message);
    this.addressClass = addressClass;
  }
}

/** The URL's host as DNS or an IP literal takes it (IPv6 without brackets). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, "");

/** Refuses the first address the rule forbids, naming its class and how to allow it when it can be allowed. */
export function checkAddresses(host: string, addresses: string[], allowed: ReadonlySet<string>): void {
  if (addresses.length === 0) throw new TargetRefused(`${host} resolves to no address`);
  for (const address of addresses) {
    const refused = refusalOf(address, allowed);
    if (!refused) continue;
    const named = address === host ? address : `${host} (${address})`;
    const allowable = ["loopback", "private", "link-local", "unique-local"].includes(refused);
    throw new TargetRefused(
      `${named} is a ${refused} address, which webhooks may not reach${allowable ? " unless a platform admin allows it (loco-api --webhook-allow-addresses)" : ""}`,
      refused,
    );
  }
}

/** Parses and checks a target URL; throws TargetRefused with a sentence saying why it may not be used. */
export async function checkTarget(
  raw: string,
  allowed: ReadonlySet<string>,
  resolve: Resolve = resolveAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused("it is not a URL; give one such as https://hooks.example.com/loco");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TargetRefused("it must be an http(s) URL");
  if (url.username || url.password) {
    throw new TargetRefused("it must not carry credentials; put a secret in the path or rely on the signature");
  }
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new TargetRefused(`${host} does not resolve; check the host name`);
    }
  }
  checkAddresses(host, addresses, allowed);
  return url;
}
