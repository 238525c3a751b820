import { BlockList, isIP } from 'node:net';

// Where a destination may send: https anywhere public; plain http, and private, loopback, link-local
// or metadata addresses, only for hosts an operator lists (DESTINATION_ALLOWED_HOSTS). Pure: the
// caller resolves DNS and asks about each address it got, so a name that resolves to 10.0.0.5 (or
// later rebinds to it) is refused at connect time too.

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['fd00:ec2::', 32], // AWS metadata over IPv6 (inside fc00::/7 too)
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

// An IPv4 address written as IPv6 (::ffff:10.0.0.1) is the IPv4 address.
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0) return false;
  const plain = unmapped(address);
  return !BLOCKED.check(plain.address, plain.family);
}

export function parseAllowedHosts(text: string): ReadonlySet<string> {
  return new Set(
    text
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ''),
  );
}

// URL hostnames keep IPv6 brackets: [::1].
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

export type UrlProblem = string;

// The URL as a destination may have it, or why not. Only the scheme and shape are checked here;
// addresses once resolved (checkAddress).
export function checkDestinationUrl(text: string, allowedHosts: ReadonlySet<string>): URL | UrlProblem {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url is not an absolute URL';
  }
  if (text.length > 2048) return 'url is longer than 2048 characters';
  if (url.username !== '' || url.password !== '') return 'url must not carry credentials';
  if (url.hash !== '') return 'url must not have a fragment';
  const allowed = allowedHosts.has(hostOf(url));
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowed) return url;
  if (url.protocol === 'http:') {
    return `url must be https (plain http only for hosts in DESTINATION_ALLOWED_HOSTS; ${hostOf(url)} is not)`;
  }
  return 'url must be https';
}

// Whether a resolved address may be connected to for this host.
export function checkAddress(
  host: string,
  address: string,
  allowedHosts: ReadonlySet<string>,
): string | null {
  if (allowedHosts.has(host.toLowerCase())) return null;
  if (isPublicAddress(address)) return null;
  return `${host} resolves to ${address}, a private, loopback, link-local or metadata address (allow the host in DESTINATION_ALLOWED_HOSTS)`;
}
