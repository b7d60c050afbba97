/**
 * The events the c-toxcore reference peer (`native/cpeer-*.c`) prints on stdout, one JSON object
 * a line, and their parser.
 */

export type ConnStatus = 'none' | 'tcp' | 'udp';

interface Identity {
  readonly t: number;
  readonly toxid: string;
  readonly pk: string;
  readonly dhtpk: string;
  readonly port: number;
  /** false when the peer runs with `udpOff` (a TCP-only client). */
  readonly udp?: boolean;
  /** The TCP relay port it serves (tox_self_get_tcp_port); 0 when it serves none. */
  readonly tcp_port?: number;
  /** Its TCP relay's public key (= its DHT key); present only when tcp_port > 0. */
  readonly tcp_pk?: string;
  /** The libtoxcore version loaded (tox_version_major/minor/patch), e.g. "0.2.18". */
  readonly toxcore?: string;
  readonly name: string;
  readonly self_connection: ConnStatus;
  readonly friend_count: number;
  readonly shim_dropped?: number;
  readonly shim_rebound?: number;
}

export type CPeerEvent =
  | ({ readonly event: 'ready' } & Identity)
  | ({ readonly event: 'info' } & Identity)
  | { readonly event: 'self_connection'; readonly t: number; readonly status: ConnStatus }
  | { readonly event: 'friend_request'; readonly t: number; readonly pk: string; readonly message: string; readonly message_hex?: string }
  | { readonly event: 'friend_added'; readonly t: number; readonly friend: number; readonly pk: string; readonly via: 'add' | 'addnr' | 'accept-all' }
  | { readonly event: 'friend_connection'; readonly t: number; readonly friend: number; readonly pk: string; readonly status: ConnStatus }
  | { readonly event: 'friend_name'; readonly t: number; readonly friend: number; readonly pk: string; readonly name: string; readonly name_hex?: string }
  | {
      readonly event: 'friend_status_message';
      readonly t: number;
      readonly friend: number;
      readonly pk: string;
      readonly message: string;
      readonly message_hex?: string;
    }
  | {
      readonly event: 'message';
      readonly t: number;
      readonly friend: number;
      readonly pk: string;
      readonly text: string;
      /** Present only when the text was not valid UTF-8 (then `text` has U+FFFD in its place). */
      readonly text_hex?: string;
      readonly type: 'normal' | 'action';
    }
  | { readonly event: 'receipt'; readonly t: number; readonly friend: number; readonly id: number }
  | { readonly event: 'sent'; readonly t: number; readonly friend: number; readonly id: number }
  | {
      /** A `flood` command has enqueued all its messages (ids first_id..last_id, wrapping at 2^32). */
      readonly event: 'flood';
      readonly t: number;
      readonly friend: number;
      readonly count: number;
      readonly size: number;
      readonly first_id: number;
      readonly last_id: number;
      /** Times tox_friend_send_message refused with SENDQ (each followed by one tox_iterate). */
      readonly sendq_waits: number;
    }
  | {
      readonly event: 'friends';
      readonly t: number;
      readonly friends: readonly { readonly friend: number; readonly pk: string; readonly status: ConnStatus; readonly name: string }[];
    }
  | { readonly event: 'saved'; readonly t: number; readonly path: string; readonly bytes: number }
  | { readonly event: 'bootstrapped'; readonly t: number; readonly ip: string; readonly port: number }
  | { readonly event: 'tcp_relay_added'; readonly t: number; readonly ip: string; readonly port: number }
  | { readonly event: 'error'; readonly t: number; readonly what: string; readonly detail?: string; readonly code?: number }
  | { readonly event: 'bye'; readonly t: number };

export type CPeerEventName = CPeerEvent['event'];
export type EventOf<K extends CPeerEventName> = Extract<CPeerEvent, { event: K }>;

const EVENT_NAMES: ReadonlySet<string> = new Set<CPeerEventName>([
  'ready',
  'info',
  'self_connection',
  'friend_request',
  'friend_added',
  'friend_connection',
  'friend_name',
  'friend_status_message',
  'message',
  'receipt',
  'sent',
  'flood',
  'friends',
  'saved',
  'bootstrapped',
  'tcp_relay_added',
  'error',
  'bye',
]);

/** Parses one stdout line of cpeer; `undefined` for anything that is not a known event object. */
export function parseEventLine(line: string): CPeerEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as { t?: unknown; event?: unknown };
  if (typeof o.t !== 'number' || typeof o.event !== 'string' || !EVENT_NAMES.has(o.event)) return undefined;
  return v as CPeerEvent;
}
