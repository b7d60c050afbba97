/**
 * The keys of a node's machine actors, named as the model names its tasks
 * (docs/architecture.md §1.3): `session:<friend>`, `toxid:<ours>`, `dhtkey:<ours>:<friend>`,
 * `connect:<ours>:<friend>`, `request:<ours>:<friend>`.
 */
export const actorKeys = {
  session: (friendHex: string) => `session:${friendHex}`,
  toxid: (selfHex: string) => `toxid:${selfHex}`,
  dhtkey: (selfHex: string, friendHex: string) => `dhtkey:${selfHex}:${friendHex}`,
  connect: (selfHex: string, friendHex: string) => `connect:${selfHex}:${friendHex}`,
  request: (selfHex: string, friendHex: string) => `request:${selfHex}:${friendHex}`,
};

/** The last part of an actor key: the friend of a friend's actor (for `toxid:` it is our own key). */
export function lastKeyPart(key: string): string {
  const parts = key.split(':');
  return parts[parts.length - 1]!;
}
