/**
 * Timing constants of the state core, each with its unit in the name and its source.
 *
 * Interoperation depends on these matching c-toxcore 0.2.18 (docs/protocol.md §10). Where
 * toxstate deliberately differs, the difference is written next to the value:
 *
 * - The notes the model grew from (docs/architecture.md §1.3) say "send handshakes to our friend every 5 seconds".
 *   c-toxcore resends the current cookie request or handshake every 1 s, 8 times
 *   (net_crypto.c CRYPTO_SEND_PACKET_INTERVAL, MAX_NUM_SENDPACKET_TRIES). We follow c-toxcore:
 *   a 5 s cadence would make every lost packet cost 5 s and a c-toxcore peer would kill its
 *   side of a half-open attempt after 8 s, before our second handshake.
 * - c-toxcore starts announcing 3 s after start, skips a newly found announce node for one
 *   round, and needs "onion connected" to hold 3 s before searching for friends
 *   (onion_client.c ONION_CONNECTION_SECONDS). None of that is needed by the protocol: we
 *   announce the moment path nodes exist, re-announce at once with a fresh ping_id, and search
 *   for friends immediately. This is where toxstate's faster connect time comes from.
 */

const SECOND_MS = 1000;

// ---- net_crypto (toxcore/net_crypto.c, net_crypto.h) ----------------------------------

/** Resend interval of the current temp packet (cookie request or handshake). net_crypto.h CRYPTO_SEND_PACKET_INTERVAL = 1000 ms. */
export const TEMP_PACKET_RESEND_INTERVAL_MS = 1000;
/** A pre-established phase gives up after its temp packet was sent this many times. net_crypto.c MAX_NUM_SENDPACKET_TRIES = 8. */
export const MAX_TEMP_PACKET_TRIES = 8;

// ---- friend_connection (toxcore/friend_connection.h) -----------------------------------

/** ALIVE is sent when the last one is older than this. friend_connection.h FRIEND_PING_INTERVAL = 8 s. */
export const FRIEND_PING_INTERVAL_MS = 8 * SECOND_MS;
/** No ALIVE for this long kills an established session. friend_connection.h FRIEND_CONNECTION_TIMEOUT = 32 s. */
export const FRIEND_CONNECTION_TIMEOUT_MS = 32 * SECOND_MS;
/**
 * While connecting, a DHT key or address not refreshed for this long is forgotten.
 * friend_connection.h FRIEND_DHT_TIMEOUT = BAD_NODE_TIMEOUT = 122 s.
 */
export const FRIEND_DHT_TIMEOUT_MS = 122 * SECOND_MS;

// ---- DHT (toxcore/DHT.h, DHT.c) ---------------------------------------------------------

/** Every known node of a search list gets a nodes request this often. DHT.h PING_INTERVAL = 60 s. */
export const DHT_PING_INTERVAL_MS = 60 * SECOND_MS;
/** A random good node gets a nodes request this often. DHT.c GET_NODE_INTERVAL = 20 s. */
export const DHT_GET_NODE_INTERVAL_MS = 20 * SECOND_MS;
/** Rounds of the bootstrap burst after a search list is populated. DHT.c MAX_BOOTSTRAP_TIMES = 5. */
export const DHT_SEARCH_BURST_ROUNDS = 5;
/** do_dht runs once per second; the burst rounds are one second apart. DHT.c do_dht gating. */
export const DHT_SEARCH_BURST_INTERVAL_MS = 1 * SECOND_MS;

// ---- onion client (toxcore/onion_client.c, onion_client.h) -----------------------------

/** Self re-announce while not stored anywhere. onion_client.c ANNOUNCE_INTERVAL_NOT_ANNOUNCED = 3 s. */
export const ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS = 3 * SECOND_MS;
/** Self re-announce once stored. onion_client.h ONION_NODE_PING_INTERVAL = 15 s. */
export const ANNOUNCE_INTERVAL_ANNOUNCED_MS = 15 * SECOND_MS;
/** Announced for this long counts as stable. onion_client.c TIME_TO_STABLE = 6 × 15 s = 90 s. */
export const ANNOUNCE_TIME_TO_STABLE_MS = 90 * SECOND_MS;
/** Per-node re-announce interval when stable (the runtime's onion client applies it). onion_client.c ANNOUNCE_INTERVAL_STABLE = 8 × 15 s = 120 s. */
export const ANNOUNCE_INTERVAL_STABLE_MS = 120 * SECOND_MS;
/** No announce response for this long means we are offline. onion_client.h ONION_OFFLINE_TIMEOUT = 75 s. */
export const ONION_OFFLINE_TIMEOUT_MS = 75 * SECOND_MS;

/** Friend search interval while the friend is "new". onion_client.c ANNOUNCE_FRIEND_NEW_INTERVAL = 3 s. */
export const FRIEND_SEARCH_NEW_INTERVAL_MS = 3 * SECOND_MS;
/** A friend is "new" while run_count ≤ this. onion_client.c ANNOUNCE_FRIEND_RUN_COUNT_BEGINNING = 5. */
export const FRIEND_SEARCH_NEW_RUN_COUNT = 5;
/** Backoff exponent cap. onion_client.c MAX_RUN_COUNT_EXPONENT = 12. */
export const FRIEND_SEARCH_MAX_EXPONENT = 12;
/** Backoff ceiling. onion_client.c ANNOUNCE_FRIEND_MAX_INTERVAL = 3600 s. */
export const FRIEND_SEARCH_MAX_INTERVAL_MS = 3600 * SECOND_MS;
/**
 * run_count at which the backoff interval stops growing: 2^min(12, run_count − 2) s reaches the
 * 3600 s ceiling at run_count 14 (2^12 = 4096 > 3600). Counting further changes nothing, so the
 * machine saturates run_count here; this also keeps model-based traversal finite.
 */
export const FRIEND_SEARCH_RUN_COUNT_CAP = 14;

/** DHT-PK resend over the onion. onion_client.h ONION_DHTPK_SEND_INTERVAL = 30 s. */
export const ONION_DHTPK_SEND_INTERVAL_MS = 30 * SECOND_MS;
/** DHT-PK resend over a DHT route. onion_client.h DHT_DHTPK_SEND_INTERVAL = 20 s. */
export const DHT_DHTPK_SEND_INTERVAL_MS = 20 * SECOND_MS;

/** Friend search interval for a given run_count, as onion_client.c do_friend computes it. */
export function friendSearchIntervalMs(runCount: number): number {
  if (runCount <= FRIEND_SEARCH_NEW_RUN_COUNT) return FRIEND_SEARCH_NEW_INTERVAL_MS;
  const exponent = Math.min(FRIEND_SEARCH_MAX_EXPONENT, runCount - 2);
  return Math.min(2 ** exponent * SECOND_MS, FRIEND_SEARCH_MAX_INTERVAL_MS);
}

// ---- friend requests (toxcore/Messenger.h, Messenger.c) --------------------------------

/** First wait for an answer to a friend request round. Messenger.h FRIENDREQUEST_TIMEOUT = 5 s. */
export const FRIEND_REQUEST_TIMEOUT_MS = 5 * SECOND_MS;
/**
 * The wait doubles after every unanswered round (Messenger.c `friend_request_timeout *= 2`);
 * c-toxcore never stops doubling, toxstate stops at one hour.
 */
export const FRIEND_REQUEST_MAX_TIMEOUT_MS = 3600 * SECOND_MS;

// ---- TCP relay connections (tcpRelay; c-toxcore TCP_client.h, TCP_connection.h) -------------

/** TCP_CONNECTION_TIMEOUT: from opening the socket to a confirmed connection. */
export const TCP_CONNECTION_TIMEOUT_MS = 10 * SECOND_MS;
/** TCP_PING_FREQUENCY: a confirmed connection pings the relay this often. */
export const TCP_PING_FREQUENCY_MS = 30 * SECOND_MS;
/** TCP_PING_TIMEOUT: the pong must arrive within this. */
export const TCP_PING_TIMEOUT_MS = 10 * SECOND_MS;
/** TCP_CONNECTION_ANNOUNCE_TIMEOUT: a relay used only by direct friends sleeps this long after confirming. */
export const TCP_CONNECTION_ANNOUNCE_TIMEOUT_MS = TCP_CONNECTION_TIMEOUT_MS;
/**
 * toxstate's choice (c-toxcore drops a relay that never confirmed until it is named again): the
 * first pause before retrying a relay that failed, doubling with each failure up to RELAY_RETRY_MAX_MS.
 */
export const RELAY_RETRY_MIN_MS = 10 * SECOND_MS;
/** toxstate's choice: the longest pause between attempts at a relay that keeps failing. */
export const RELAY_RETRY_MAX_MS = 300 * SECOND_MS;
