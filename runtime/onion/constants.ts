/**
 * Constants of the onion layers (docs/protocol.md §3), each with its unit and its c-toxcore
 * 0.2.18 source. Table bounds are named here too: every table of the onion layers has one.
 */

const SECOND_MS = 1000;

// ---- relay (toxcore/onion.c) ---------------------------------------------------------------

/** The return-path secretbox key is renewed this often. onion.c KEY_REFRESH_INTERVAL = 2 h. */
export const ONION_KEY_REFRESH_INTERVAL_MS = 2 * 60 * 60 * SECOND_MS;

// ---- announce node (toxcore/onion_announce.c, onion_announce.h, timed_auth.c) ---------------

/** Announcements kept. onion_announce.h ONION_ANNOUNCE_MAX_ENTRIES = 160. */
export const ONION_ANNOUNCE_MAX_ENTRIES = 160;
/** An announcement lives this long unless refreshed. onion_announce.h ONION_ANNOUNCE_TIMEOUT = 300 s. */
export const ONION_ANNOUNCE_TIMEOUT_MS = 300 * SECOND_MS;
/**
 * ping_id window: HMAC over (unix seconds / 300, sender pk, source); the current and the
 * previous window are accepted. onion_announce.c PING_ID_TIMEOUT = ONION_ANNOUNCE_TIMEOUT = 300 s.
 */
export const ONION_PING_ID_WINDOW_S = 300;

// ---- client (toxcore/onion_client.c, onion_client.h) ---------------------------------------

/** Paths per path set (one set for self-announce, one for friend searches). onion_client.h NUMBER_ONION_PATHS = 6. */
export const ONION_PATHS_PER_SET = 6;
/** Hops per path. onion.h ONION_PATH_LENGTH = 3. */
export const ONION_PATH_LENGTH = 3;
/** A path that never answered dies this long after its last use once used 4 times unanswered. onion_client.h ONION_PATH_FIRST_TIMEOUT = 4 s. */
export const ONION_PATH_FIRST_TIMEOUT_MS = 4 * SECOND_MS;
/** The same for a path that has answered before. onion_client.h ONION_PATH_TIMEOUT = 10 s. */
export const ONION_PATH_TIMEOUT_MS = 10 * SECOND_MS;
/** Hard lifetime of a path. onion_client.h ONION_PATH_MAX_LIFETIME = 1200 s. */
export const ONION_PATH_MAX_LIFETIME_MS = 1200 * SECOND_MS;
/** Unanswered uses after which a path may time out. onion_client.h ONION_PATH_MAX_NO_RESPONSE_USES = 4. */
export const ONION_PATH_MAX_NO_RESPONSE_USES = 4;

/**
 * Relays remembered as proven (a path through them carried a response, or they answered as an
 * announce node), preferred as path nodes. onion_client.h MAX_PATH_NODES = 32.
 */
export const ONION_PROVEN_RELAYS_MAX = 32;
/**
 * Bootstrap nodes kept as path nodes (onion_client.c onion_add_bs_path_node: tox_bootstrap seeds
 * them, and with UDP off that is all it does); the oldest dropped beyond this. MAX_PATH_NODES = 32.
 */
export const ONION_BOOTSTRAP_PATH_NODES_MAX = 32;
/** A proven relay not proven again within this is just another node. toxstate's own. */
export const ONION_PROVEN_RELAY_TTL_MS = 600 * SECOND_MS;
/** A host's path failures (a path through it died unanswered) are forgotten after this. toxstate's own. */
export const ONION_RELAY_FAILURE_TTL_MS = 600 * SECOND_MS;
/** Hosts whose failures are remembered; the oldest is dropped beyond this. */
export const ONION_RELAY_FAILURES_MAX = 256;
/** Nodes remembered per path as asked and not answered since its last response (a path dies after a few such uses anyway). */
export const ONION_PATH_UNANSWERED_MAX = 16;

/** Announce nodes we keep ourselves announced at. onion_client.h MAX_ONION_CLIENTS_ANNOUNCE = 12. */
export const ONION_SELF_NODES_MAX = 12;
/** Nodes kept per searched friend. onion_client.h MAX_ONION_CLIENTS = 8. */
export const ONION_FRIEND_NODES_MAX = 8;
/**
 * Nodes of one host (runtime/dht/hosts.ts: an IP) in one of those lists; a closer key replaces
 * the host's farthest. toxstate's own (issue 13 item 4: keys made by the thousand on one IP near
 * our key must not take every place where we are announced).
 */
export const ONION_NODES_PER_HOST = 2;
/** A node that missed this many responses in a row… onion_client.h ONION_NODE_MAX_PINGS = 3. */
export const ONION_NODE_MAX_PINGS = 3;
/** …and was last asked this long ago has timed out. onion_client.h ONION_NODE_TIMEOUT = 15 s. */
export const ONION_NODE_TIMEOUT_MS = 15 * SECOND_MS;

// Self re-announce per node: the same rule as the toxid: machine's cadence (one definition, in
// machines/constants.ts, with its c-toxcore source): 3 s while not stored there, 15 s once stored,
// 120 s once node and path are stable (stored for 90 s).
export {
  ANNOUNCE_INTERVAL_NOT_ANNOUNCED_MS as ONION_ANNOUNCE_INTERVAL_NOT_STORED_MS,
  ANNOUNCE_INTERVAL_ANNOUNCED_MS as ONION_ANNOUNCE_INTERVAL_STORED_MS,
  ANNOUNCE_INTERVAL_STABLE_MS as ONION_ANNOUNCE_INTERVAL_STABLE_MS,
  ANNOUNCE_TIME_TO_STABLE_MS as ONION_TIME_TO_STABLE_MS,
} from '../../machines/constants.js';
/** Requests sent to random path nodes when a list is at most half full. onion_client.c MAX_ONION_CLIENTS_ANNOUNCE / 2 = 6. */
export const ONION_SELF_POPULATE_REQUESTS = 6;
/** Friend search: requests to random path nodes when populating. onion_client.c MAX_PATH_NODES / 4 = 8. */
export const ONION_FRIEND_POPULATE_REQUESTS = 8;
/** A list that is not full is re-populated at least this often. onion_client.c ANNOUNCE_POPULATE_TIMEOUT = 600 s. */
export const ONION_POPULATE_TIMEOUT_MS = 600 * SECOND_MS;

/** A sendback (our 8-byte request id) is valid this long. onion_client.c ANNOUNCE_TIMEOUT = 10 s. */
export const ONION_SENDBACK_TIMEOUT_MS = 10 * SECOND_MS;
/**
 * Sendbacks outstanding at once; beyond it the oldest is evicted (counted). c-toxcore's
 * ANNOUNCE_ARRAY_SIZE is 256, but it spreads a friend's searches over the interval while a
 * toxstate search round asks all of a friend's nodes at once, so a node with many friends
 * needs more room: 4096 covers 256 friends × (8 list + 8 populate) requests in one round.
 */
export const ONION_SENDBACK_LIMIT = 4096;
/** A node named in a response is not asked again within this. onion_client.h MIN_NODE_PING_TIME = 10 s. */
export const ONION_MIN_NODE_PING_TIME_MS = 10 * SECOND_MS;
/** Recently asked nodes remembered per list for that rule. onion_client.h MAX_STORED_PINGED_NODES = 9. */
export const ONION_LAST_PINGED_MAX = 9;
