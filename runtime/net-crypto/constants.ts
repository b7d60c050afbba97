/**
 * Limits and timings of the runtime's net_crypto layer (docs/protocol.md §4), each with its unit
 * in the name and its c-toxcore 0.2.18 source, or the reason toxstate chose differently.
 * Wire sizes and protocol constants live in protocol/net-crypto/constants.ts.
 */

/**
 * Lossless packets we keep in our send buffer (sent or waiting, not yet acknowledged). c-toxcore
 * allows CRYPTO_PACKET_BUFFER_SIZE = 32768; a messenger needs far fewer, and a bound of 1024
 * keeps a stalled peer from holding ~45 MB. Beyond it `sendLossless` refuses with `queue_full`.
 */
export const SEND_BUFFER_LIMIT_PACKETS = 1024;

/**
 * How far ahead of our receive buffer_start we store lossless packets. c-toxcore stores up to
 * CRYPTO_PACKET_BUFFER_SIZE = 32768 ahead; we keep 4096 (≈ 5.6 MB worst case). A packet beyond
 * it is dropped and counted; the peer resends it when our request packet lists it missing.
 */
export const RECV_WINDOW_PACKETS = 4096;

/**
 * Lossless packets sent for the first time but not yet acknowledged, at most. Our congestion
 * control is this fixed window (enough for messages): c-toxcore starts from
 * CRYPTO_MIN_QUEUE_LENGTH = 64 packets and adapts a send rate; we keep 128 in flight.
 */
export const SEND_WINDOW_PACKETS = 128;

/**
 * Resends per connection per round trip, at most: the resend budget of a peer that acknowledges
 * what we send (c-toxcore bounds resends by its send-rate budget, net_crypto.c
 * send_crypto_packets → send_requested_packets(packets_left_requested); its queue starts at
 * CRYPTO_MIN_QUEUE_LENGTH = 64). The budget halves after every round trip in which we resent and
 * the peer acknowledged nothing, down to RESEND_BUDGET_MIN_PACKETS, and grows back by one per
 * packet acknowledged (as TCP's window after a timeout). c-toxcore has no such decay: its
 * requested-resend rate follows what it sent and resent (×1.2), so a peer that asks for
 * everything and never acknowledges keeps it resending.
 */
export const RESEND_BURST_PACKETS = 64;

/**
 * The resend budget never drops below this many packets per round. Below it, rounds get longer
 * instead: each round without acknowledgement doubles the next one, up to RESEND_MAX_ROUND_MS
 * (TCP's retransmission timer backs off the same way, RFC 6298 §5.5).
 */
export const RESEND_BUDGET_MIN_PACKETS = 1;

/**
 * The longest resend round (backed off): a peer that never acknowledges gets one resend per
 * this long. It equals REQUEST_PACKET_INTERVAL_MS, the interval of a quiet peer's own requests.
 */
export const RESEND_MAX_ROUND_MS = 1000;

/**
 * A round trip for resends is never shorter than this. A packet is resent at most once per round
 * trip (c-toxcore handle_request_packet: only if `sent_time + rtt_time < now`), and round-trip
 * samples can be made small by an acknowledgement that races a resend; 50 ms is c-toxcore's
 * PACKET_COUNTER_AVERAGE_INTERVAL, the period of its send loop under load.
 */
export const RESEND_MIN_ROUND_TRIP_MS = 50;

/** A request packet goes out at least this often while a session is established. net_crypto.h CRYPTO_SEND_PACKET_INTERVAL = 1000 ms. */
export const REQUEST_PACKET_INTERVAL_MS = 1000;

/**
 * While our receive buffer has a hole, request packets go out this often, so a lost packet is
 * asked for quickly. c-toxcore shortens its interval under load down to
 * PACKET_COUNTER_AVERAGE_INTERVAL = 50 ms and lengthens it to CRYPTO_SEND_PACKET_INTERVAL as
 * the peer's packet rate falls (net_crypto.c send_crypto_packets); we use 100 ms within
 * GAP_REQUESTS_FAST_FOR_MS of the peer's last new lossless packet, and the regular interval
 * after that (a peer claiming packets it never sends would otherwise draw a request listing
 * them, up to 1.4 KB, every 100 ms for as long as the session lasts).
 */
export const REQUEST_PACKET_INTERVAL_WITH_GAPS_MS = 100;

/**
 * How long after the peer's last new lossless packet a hole is still asked for every
 * REQUEST_PACKET_INTERVAL_WITH_GAPS_MS. 3 s: at 50% loss both ways a resend can take a few
 * seconds to get through, and 1–2 s doubled the time to deliver a burst in the simulation.
 */
export const GAP_REQUESTS_FAST_FOR_MS = 3_000;

/**
 * After a lossless packet arrives, an acknowledgement (a request packet carrying our new
 * buffer_start) goes out within this long unless one of our own data packets carries it first.
 * Messenger receipts are these acknowledgements, and a sender's window only moves with them: with
 * the 1 s request interval alone, a one-way stream of messages ran at ~30 per second. c-toxcore
 * sends request packets more often the more packets it receives (net_crypto.c
 * REQUEST_PACKETS_COMPARE_CONSTANT) and at most once per loop (≤ 50 ms); toxstate uses a
 * fixed 10 ms delay, so a burst costs one acknowledgement per 10 ms, not one per packet.
 */
export const ACK_DELAY_MS = 10;

/** Initial round-trip estimate; it only ever decreases with samples. net_crypto.h DEFAULT_PING_CONNECTION = 1000 ms. */
export const DEFAULT_RTT_MS = 1000;

/** Packets waiting to be sent are retried this often. net_crypto.c PACKET_COUNTER_AVERAGE_INTERVAL = 50 ms. */
export const SEND_PUMP_INTERVAL_MS = 50;

/**
 * A connection prepared from a handshake with a new DHT key (the friend restarted) waits for the
 * friend session machine to drop the old one. If the machine never does, it is discarded after
 * this long (the handshake's cookie would have expired anyway: COOKIE_TIMEOUT = 15 s).
 */
export const PENDING_CONNECTION_TTL_MS = 15_000;

// ---- cookie request guards (toxstate's own; c-toxcore answers every cookie request) ---------

/**
 * Cookie requests answered at once per guard key: a source address, or a source address and a
 * friend's session DHT key. Only requests that authenticated are counted (junk spends nothing).
 */
export const COOKIE_REQUEST_BURST = 10;
/** After the burst, one more cookie request is answered per this interval, per guard key. */
export const COOKIE_REQUEST_REFILL_MS = 100;
/** Guard keys tracked by the cookie request guard; the least recently seen is evicted (counted). */
export const COOKIE_GUARD_TABLE_LIMIT = 4096;
/** How often the guard forgets keys whose bucket has refilled. */
export const COOKIE_GUARD_CLEANUP_INTERVAL_MS = 10_000;
/**
 * Cookie requests claiming a DHT key we hold no shared key for (neither a friend's session DHT
 * key nor a requester that authenticated before) cost an X25519 to open: at most this many at
 * once, all sources together, then one per COOKIE_UNKNOWN_KEY_REFILL_MS (200/s; an X25519 takes
 * ~0.1–0.2 ms here, so a flood of random-key requests takes at most a few % of a core).
 */
export const COOKIE_UNKNOWN_KEY_BURST = 32;
/** See COOKIE_UNKNOWN_KEY_BURST. */
export const COOKIE_UNKNOWN_KEY_REFILL_MS = 5;
/**
 * DHT keys that opened a cookie request naming a friend, with their shared key, least recently
 * used evicted: their next requests open without an X25519 and without the unknown-key budget
 * (a friend whose session has not learned its DHT key yet is then not held up by junk).
 */
export const COOKIE_REQUESTER_KEYS_LIMIT = 1024;

/** net_crypto.c UDP_DIRECT_TIMEOUT: a session is direct while a UDP packet arrived within this. */
export const UDP_DIRECT_TIMEOUT_MS = 8_000;
/** net_crypto.c send_packet_to: a data packet shorter than this also probes the direct path while on a relay. */
export const UDP_PROBE_MAX_BYTES = 96;
