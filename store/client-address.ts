import ipaddr from 'ipaddr.js';

/**
 * The part of a client's address that names one subscriber: an IPv4 address as is, an IPv6
 * address by its /64 (a single home or phone gets a whole /64 and may rotate inside it, so keying
 * on the full address would let one person look like millions). IPv4-mapped IPv6 is IPv4.
 * Anything unparseable is kept as given (it is hashed before use anyway).
 *
 * @example clientSubnet('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientSubnet(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(trimmed)) return trimmed.slice(0, 100);
  const parsed = ipaddr.process(trimmed);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
