/**
 * What a friend session tells the friend's tasks (connect, dhtkeyShare, friendRequest) after every
 * step: the facts they react to, read from its snapshot.
 */
import { friendSessionState, type FriendSessionSnapshot } from './friend-session.js';

/** The friend-session facts other machines (the connect and dhtkey tasks) react to. */
export interface FriendFacts {
  readonly dhtKey: string | null;
  readonly dhtKeyFreshUntil: number | null;
  /** When the address stops being fresh — null while there is none or it is only a claim (not usable). */
  readonly addressFreshUntil: number | null;
  readonly established: boolean;
  /** Established directly over UDP (a session on a relay is established but not direct: the connect task keeps looking for a direct path). */
  readonly direct: boolean;
}

export function friendFacts(snapshot: FriendSessionSnapshot): FriendFacts {
  const c = snapshot.context;
  const checked = c.address !== null && c.address.source !== 'dhtSearch';
  return {
    dhtKey: c.dhtKey?.value ?? null,
    dhtKeyFreshUntil: c.dhtKey?.freshUntil ?? null,
    addressFreshUntil: checked ? c.address!.freshUntil : null,
    established: friendSessionState(snapshot) === 'Established',
    direct: friendSessionState(snapshot) === 'Established' && c.path === 'udp',
  };
}
