// The SSRF rule's vocabulary: which class of address an IP is. Webhook targets are chosen by tenants, and a request
// from inside the platform to loopback, a private network or the cloud metadata service (169.254.169.254) would let
// a tenant probe or reach what only the platform should. Public addresses are "public"; everything else is named
// so the refusal can say why, and so the platform admin can allow a class (--webhook-allow-addresses).
import { BlockList, isIP } from "node:net";

/** Classes a platform admin may allow webhooks to reach. */
export const ALLOWABLE_CLASSES = ["loopback", "private", "link-local", "unique-local"] as const;
export type AllowableClass = (typeof ALLOWABLE_CLASSES)[number];
/** Never a webhook target, whatever is allowed: not a single host, or not routable. */
export type ForbiddenClass = "multicast" | "unspecified" | "reserved";
export type AddressClass = "public" | AllowableClass | ForbiddenClass;

function list(entries: [string, number, "ipv4" | "ipv6"][]): BlockList {
  const blocks = new BlockList();
  for (const [network, prefix, family] of entries) blocks.addSubnet(network, prefix, family);
  return blocks;
}

// Most specific meaning first; IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address they carry.
const CLASSES: [Exclude<AddressClass, "public">, BlockList][] = [
  [
    "unspecified",
    list([
      ["0.0.0.0", 8, "ipv4"],
      ["::", 128, "ipv6"],
    ]),
  ],
  [
    "loopback",
    list([
      ["127.0.0.0", 8, "ipv4"],
      ["::1", 128, "ipv6"],
    ]),
  ],
  [
    "link-local",
    list([
      ["169.254.0.0", 16, "ipv4"],
      ["fe80::", 10, "ipv6"],
    ]),
  ],
  [
    "private",
    // RFC 1918, and the carrier-grade NAT range (RFC 6598), which is as internal to a provider as 10/8.
    list([
      ["10.0.0.0", 8, "ipv4"],
      ["172.16.0.0", 12, "ipv4"],
      ["192.168.0.0", 16, "ipv4"],
      ["100.64.0.0", 10, "ipv4"],
    ]),
  ],
  ["unique-local", list([["fc00::", 7, "ipv6"]])],
  [
    "multicast",
    list([
      ["224.0.0.0", 4, "ipv4"],
      ["ff00::", 8, "ipv6"],
    ]),
  ],
  [
    "reserved",
    // 240/4 (with the broadcast address), IETF protocol assignments, benchmarking, and IPv6 documentation/discard.
    list([
      ["240.0.0.0", 4, "ipv4"],
      ["192.0.0.0", 24, "ipv4"],
      ["198.18.0.0", 15, "ipv4"],
      ["100::", 64, "ipv6"],
      ["2001:db8::", 32, "ipv6"],
    ]),
  ],
];

/** The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, 64:ff9b::a.b.c.d), if it carries one. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!match) return undefined;
  if (match[1]) return match[1];
  const high = Number.parseInt(match[2]!, 16);
  const low = Number.parseInt(match[3]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** The class of an IP address (IPv4 or IPv6, without brackets or zone); throws on something that is not one. */
export function addressClass(address: string): AddressClass {
  const bare = address.replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 0) throw new Error(`${address} is not an IP address`);
  const v4 = family === 6 ? embeddedIpv4(bare) : bare;
  for (const [name, blocks] of CLASSES) {
    if (v4 ? blocks.check(v4, "ipv4") : blocks.check(bare, "ipv6")) return name;
  }
  return "public";
}

/** Why an address may not be a webhook's target, or undefined when it may. */
export function refusalOf(address: string, allowed: ReadonlySet<string>): AddressClass | undefined {
  const kind = addressClass(address);
  if (kind === "public" || allowed.has(kind)) return undefined;
  return kind;
}
