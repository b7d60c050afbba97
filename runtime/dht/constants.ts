/**
 * The DHT's constants: c-toxcore 0.2.18 DHT.c / DHT.h / ping.c timings and table sizes, and
 * toxstate's own bounds on amplification and on keys per host (issue 13). Re-exported by
 * runtime/dht/dht.ts, where tests and scripts import them.
 */

export const DHT_ROUND_INTERVAL_MS = 1000;
/** A ping id is valid this long. DHT.h PING_TIMEOUT = 5 s. */
export const DHT_PING_TIMEOUT_MS = 5000;
/** Each known node gets a nodes request this often. DHT.h PING_INTERVAL = 60 s. */
export const DHT_NODE_PING_INTERVAL_MS = 60_000;
/** A random good node gets a nodes request this often. DHT.c GET_NODE_INTERVAL = 20 s. */
export const DHT_RANDOM_NODE_INTERVAL_MS = 20_000;
/** Not heard for this long: bad (not handed out, replaceable). DHT.h BAD_NODE_TIMEOUT = 122 s. */
export const DHT_BAD_NODE_TIMEOUT_MS = 122_000;
/** Not heard for this long: dropped. DHT.c KILL_NODE_TIMEOUT = 182 s. */
export const DHT_KILL_NODE_TIMEOUT_MS = 182_000;
/** Burst rounds after a list is populated. DHT.c MAX_BOOTSTRAP_TIMES = 5. */
export const DHT_BOOTSTRAP_BURST_ROUNDS = 5;
/** Nodes per bucket. DHT.h LCLIENT_NODES = 8. */
export const DHT_BUCKET_SIZE = 8;
/** Nodes kept per searched key. DHT.h MAX_FRIEND_CLIENTS = 8. */
export const DHT_SEARCH_LIST_SIZE = 8;
/**
 * Nodes in an answer to a requester whose address we have not verified (it never answered us
 * from there), once the budget below is spent. toxstate's own bound on amplification (c-toxcore
 * always sends up to 4): 1 node makes a 121-byte answer to a 113-byte request; 4 make 238
 * (IPv4) or 286 (IPv6).
 */
export const DHT_UNVERIFIED_SENT_NODES = 1;
/**
 * Full (4-node) answers to unverified requesters, per second, for the whole node: a global token
 * bucket, not a table per source, so a flood from spoofed sources costs no memory. Beyond it the
 * answers shrink to 1 node. A DHT node's legitimate newcomers need far fewer.
 */
export const DHT_UNVERIFIED_FULL_ANSWERS_PER_S = 32;
/** Burst of that budget (a network starting at once: every node bootstraps to the same one). */
export const DHT_UNVERIFIED_FULL_ANSWERS_BURST = 256;
/** Unknown askers asked back per interval, at most. ping.c MAX_TO_PING = 32. */
export const DHT_ASK_BACK_BURST = 32;
/** …per this interval (a global token bucket). ping.c TIME_TO_PING = 2 s. */
export const DHT_ASK_BACK_INTERVAL_MS = 2000;
/** Pending requests kept. DHT.h DHT_PING_ARRAY_SIZE = 512. */
export const DHT_PENDING_LIMIT = 512;
/** Bound on searched keys (a search per unconnected friend); beyond it the oldest is dropped. */
export const DHT_SEARCH_LIMIT = 4096;
/**
 * Keys of one host (hosts.ts) per bucket. c-toxcore 0.2.18 keeps one key per IP:port; an IP
 * gets 2 here (two users behind one NAT), so that keys made by the thousand on one IP cannot
 * fill our buckets.
 */
export const DHT_KEYS_PER_HOST_PER_BUCKET = 2;
/** Keys of one host in the whole close list. */
export const DHT_KEYS_PER_HOST_CLOSE = 4;
/** Keys of one host per search list (of 8); a closer key replaces the host's farthest. */
export const DHT_KEYS_PER_HOST_PER_SEARCH = 2;
/** Keys of one host in the nodes we hand out (a nodes response, an announce answer, our DHT-PK). */
export const DHT_KEYS_PER_HOST_PER_ANSWER = 1;
/** While no node is good, re-ask the bootstrap nodes this often. */
export const DHT_REBOOTSTRAP_INTERVAL_MS = 5000;

// ---- hole punching (hole-punch.ts; DHT.c do_NAT, punch_holes) --------------------------------

/** NAT pings to a friend, and punching rounds, at most this often (strictly more apart, as c-toxcore compares). DHT.c PUNCH_INTERVAL = 3 s. */
export const NAT_PUNCH_INTERVAL_MS = 3000;
/** After this long without punching, the port guesses start over. DHT.c PUNCH_RESET_TIME = 40 s. */
export const NAT_PUNCH_RESET_MS = 40_000;
/** Guessed ports per punching round (and per sweep of the low ports). DHT.c MAX_PUNCHING_PORTS = 48. */
export const NAT_MAX_PUNCHING_PORTS = 48;
/** Rounds of guesses around the reported ports before the low ports (from 1024 up) are swept too. DHT.c MAX_NORMAL_PUNCHING_TRIES = 5. */
export const NAT_MAX_NORMAL_PUNCHING_TRIES = 5;
/** Where that sweep starts. DHT.c punch_holes: 1024. */
export const NAT_PUNCH_LOW_PORT = 1024;
/** Reports of a friend's address needed before NAT pings start, and on one IP before punching. DHT.c do_NAT: MAX_FRIEND_CLIENTS / 2. */
export const NAT_MIN_REPORTS = 4;
/** A NAT ping request is answered at most once per friend per this interval (toxstate's bound: the copies routed by several nodes, and replays, get one answer). */
export const NAT_PING_ANSWER_INTERVAL_MS = 1000;
/** Friends that punch in one round, at most (toxstate's bound: 96 pings each, so that the 512 pending requests are not all punches). */
export const NAT_PUNCH_FRIENDS_PER_ROUND = 4;
