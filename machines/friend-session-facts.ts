/**
 * Readers of a friend session's snapshot: the next moment it needs a `tick`, and the facts the
 * friend's tasks (connect, dhtkeyShare, friendRequest) react to after every step.
 */
import { MAX_TEMP_PACKET_TRIES } from './constants.js';
import { friendSessionState, type FriendSessionSnapshot } from './friend-session.js';
import { deadline, earliest, type Deadline } from './types.js';

/** The next moment this session needs a `tick`, and why. */
export function friendSessionNextDeadline(snapshot: FriendSessionSnapshot): Deadline | null {
  const c = snapshot.context;
  const keyExpiry = deadline(c.dhtKey?.freshUntil ?? null, 'DHT key expires (not confirmed for 122 s)');
  const addressExpiry = deadline(c.address?.freshUntil ?? null, c.address?.source === 'dhtSearch' ? 'address claim expires (never confirmed)' : 'address expires (not confirmed for 122 s)');
  const phase = (what: string): Deadline | null =>
    deadline(
      c.resendAt,
      c.tries < MAX_TEMP_PACKET_TRIES
        ? `${what} retry ${c.tries + 1}/${MAX_TEMP_PACKET_TRIES}`
        : `${what} gives up after ${MAX_TEMP_PACKET_TRIES} tries`,
    );
  switch (friendSessionState(snapshot)) {
    case 'AwaitingDHTKey':
      return null;
    case 'AcquiringIPAddress':
      return earliest(keyExpiry, addressExpiry);
    case 'AcquiringCookie':
      return earliest(keyExpiry, addressExpiry, phase('cookie request'));
    case 'AwaitingHandshake':
      return earliest(keyExpiry, addressExpiry, phase('handshake'));
    case 'AwaitingSessionPacket':
      return earliest(keyExpiry, addressExpiry, phase('handshake (awaiting session packet)'));
    case 'Established':
      return earliest(
        deadline(c.aliveDeadline, 'session timeout (no ALIVE for 32 s)'),
        deadline(c.aliveSendAt, 'ALIVE ping (every 8 s)'),
      );
  }
}


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
