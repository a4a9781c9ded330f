import { isIPv4, isIPv6 } from "node:net";

/**
 * Which addresses a webhook may not reach (docs/webhooks.md, "Targets"): everything inside the
 * operator's network or the machine itself. Pure functions, no DNS: the caller resolves the name
 * and asks about every address it got.
 */

type Range = { bytes: number[]; prefix: number; what: string };

const v4 = (cidr: string, what: string): Range => {
  const [address, prefix] = cidr.split("/");
  return { bytes: address!.split(".").map(Number), prefix: Number(prefix), what };
};

/** IPv4 ranges that are not the public internet. */
const IPV4_REFUSED: Range[] = [
  v4("0.0.0.0/8", "an unspecified (this-network) address"),
  v4("10.0.0.0/8", "a private (RFC 1918) address"),
  v4("100.64.0.0/10", "a carrier-grade NAT (100.64.0.0/10) address"),
  v4("127.0.0.0/8", "a loopback address"),
  v4("169.254.0.0/16", "a link-local address (where cloud metadata services answer)"),
  v4("172.16.0.0/12", "a private (RFC 1918) address"),
  v4("192.0.0.0/24", "an IETF protocol address (192.0.0.0/24, where some cloud metadata services answer)"),
  v4("192.0.2.0/24", "a documentation address"),
  v4("192.168.0.0/16", "a private (RFC 1918) address"),
  v4("198.18.0.0/15", "a benchmarking (198.18.0.0/15) address"),
  v4("198.51.100.0/24", "a documentation address"),
  v4("203.0.113.0/24", "a documentation address"),
  v4("224.0.0.0/4", "a multicast address"),
  v4("240.0.0.0/4", "a reserved or broadcast address"),
];

/** Names that are the machine itself or a cloud metadata service, whatever DNS says. */
const REFUSED_NAMES = new Set(["localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

function inRange(bytes: number[], range: Range): boolean {
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of a valid IPv6 address (with "::", an embedded dotted quad, or a zone). */
function ipv6Bytes(address: string): number[] {
  // A trailing dotted quad (::ffff:1.2.3.4) is the last two hextets written another way.
  const text = address
    .replace(/%.*$/, "")
    .toLowerCase()
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const headParts = head ? head.split(":") : [];
  const restParts = rest ? rest.split(":") : [];
  const missing = rest === undefined ? 0 : 8 - headParts.length - restParts.length;
  const hextets = [...headParts, ...Array<string>(missing).fill("0"), ...restParts].map((h) => parseInt(h, 16));
  return hextets.flatMap((h) => [h >> 8, h & 0xff]);
}

function refusedIPv4(bytes: number[]): string | null {
  return IPV4_REFUSED.find((range) => inRange(bytes, range))?.what ?? null;
}

const startsWith = (bytes: number[], prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

function refusedIPv6(bytes: number[]): string | null {
  const zeros = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  if (zeros(16)) return "an unspecified address";
  if (zeros(15) && bytes[15] === 1) return "a loopback address";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms reach the IPv4 address inside.
  if (zeros(10) && bytes[10] === 0xff && bytes[11] === 0xff) return refusedIPv4(bytes.slice(12));
  if (zeros(12)) return refusedIPv4(bytes.slice(12)) ?? "an IPv4-compatible address (deprecated)";
  // NAT64 (64:ff9b::/96) translates to the IPv4 address in its last 32 bits; the local-use prefix is inside.
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b]) && bytes.slice(4, 12).every((b) => b === 0)) return refusedIPv4(bytes.slice(12));
  if (startsWith(bytes, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return "a local-use NAT64 address";
  // 6to4 (2002::/16) carries an IPv4 address in bits 16–47.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return refusedIPv4(bytes.slice(2, 6));
  if (startsWith(bytes, [0x01, 0x00, 0, 0, 0, 0, 0, 0])) return "a discard-only address";
  if (startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8])) return "a documentation address";
  if ((bytes[0]! & 0xfe) === 0xfc) return "a unique local (fc00::/7) address";
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80) return "a link-local address";
  if (bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0xc0) return "a site-local address (deprecated)";
  if (bytes[0] === 0xff) return "a multicast address";
  return null;
}

/**
 * Why a webhook may not be sent to this IP address ("a loopback address", …), or null when it is a
 * public one. Anything that is not an IP address at all is refused too.
 */
export function refusedAddress(address: string): string | null {
  if (isIPv4(address)) return refusedIPv4(ipv4Bytes(address));
  if (isIPv6(address)) return refusedIPv6(ipv6Bytes(address));
  return "not an IP address";
}

/** Why a host name is refused before any lookup (the machine itself, a metadata service), or null. */
export function refusedHostname(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "the machine itself (localhost)";
  if (REFUSED_NAMES.has(name)) return "a cloud metadata service";
  return null;
}

/** The host of a URL as an IP address when it is one (URL keeps IPv6 in brackets), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  return isIPv4(bare) || isIPv6(bare) ? bare : null;
}
