/**
 * The keys of a node's machine actors, named as the model names its tasks
 * (docs/architecture.md §1.3): `session:<friend>`, `tox4id:<ours>` and `tox6id:<ours>` (one
 * announce task per enabled address family, both running `toxidAnnounce`),
 * `dhtkey:<ours>:<friend>`, `connect:<ours>:<friend>`, `request:<ours>:<friend>`.
 */
import type { IpFamily } from '../protocol/ip-port.js';

/** The announce task's key prefix per address family, as the seed names them. */
export const ANNOUNCE_PREFIX: Readonly<Record<IpFamily, 'tox4id' | 'tox6id'>> = { ipv4: 'tox4id', ipv6: 'tox6id' };

/** The address families in the order their announce tasks are created. */
export const FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6'];

export const actorKeys = {
  session: (friendHex: string) => `session:${friendHex}`,
  /** The announce task of one address family: `tox4id:<ours>` or `tox6id:<ours>`. */
  announce: (family: IpFamily, selfHex: string) => `${ANNOUNCE_PREFIX[family]}:${selfHex}`,
  dhtkey: (selfHex: string, friendHex: string) => `dhtkey:${selfHex}:${friendHex}`,
  connect: (selfHex: string, friendHex: string) => `connect:${selfHex}:${friendHex}`,
  request: (selfHex: string, friendHex: string) => `request:${selfHex}:${friendHex}`,
};

/** The address family of an announce task's key (`tox4id:…` → ipv4, `tox6id:…` → ipv6), or null for any other key. */
export function announceFamilyOf(key: string): IpFamily | null {
  if (key.startsWith(`${ANNOUNCE_PREFIX.ipv4}:`)) return 'ipv4';
  if (key.startsWith(`${ANNOUNCE_PREFIX.ipv6}:`)) return 'ipv6';
  return null;
}

/** The last part of an actor key: the friend of a friend's actor (for an announce task it is our own key). */
export function lastKeyPart(key: string): string {
  const parts = key.split(':');
  return parts[parts.length - 1]!;
}
