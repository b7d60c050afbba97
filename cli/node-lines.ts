/**
 * The readable lines of `toxstate node` (without --json) for the events that need no action
 * from the node: a sentence each instead of `type key=value` with 64-character keys and raw
 * numbers. Friends are named by the start of their key, as the other lines do; text from the
 * network goes through printable(). The user statuses are Messenger.h's USERSTATUS_NONE, _AWAY
 * and _BUSY (c-toxcore 0.2.18 Messenger.h, the USERSTATUS enum); anything else is said
 * as its number.
 */
import type { AppEvent } from '../runtime/app-events.js';
import { printable } from './printable.js';

const short = (hex: string): string => `${hex.slice(0, 8)}…`;

const USER_STATUS = ['available', 'away', 'busy'] as const;

/** The readable text of `e` (without its time), or null when the caller says it itself. */
export function readableEvent(e: AppEvent): string | null {
  switch (e.type) {
    case 'dht_connected':
      return 'connected to the DHT';
    case 'announced':
      return `announced on the onion (${e.family})`;
    case 'unannounced':
      return `no longer announced on the onion (${e.family}): ${e.reason}`;
    case 'friend_added':
      return `${short(e.friend)} added as a friend (${e.friend})`;
    case 'friend_offline':
      return `${short(e.friend)} offline (${e.reason})`;
    case 'friend_name':
      return e.name === '' ? `${short(e.friend)} has no name` : `${short(e.friend)} is named “${printable(e.name)}”`;
    case 'friend_status_message':
      return e.statusMessage === '' ? `${short(e.friend)} has no status message` : `${short(e.friend)} status message: “${printable(e.statusMessage)}”`;
    case 'friend_user_status':
      return `${short(e.friend)} is ${USER_STATUS[e.userStatus] ?? `in user status ${e.userStatus}`}`;
    case 'friend_typing':
      return `${short(e.friend)} ${e.typing ? 'is typing' : 'stopped typing'}`;
    case 'receipt':
      return `${short(e.friend)} confirmed receiving message ${e.id}`;
    default:
      return null;
  }
}

/** The node's last readable line. */
export function stoppedLine(friends: number): string {
  return `stopped (${friends} ${friends === 1 ? 'friend' : 'friends'})`;
}
