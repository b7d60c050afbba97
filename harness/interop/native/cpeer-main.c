/*
 * cpeer — a small c-toxcore 0.2.18 reference peer for toxstate's interop tests and benchmarks.
 *
 * Sources (compiled together by harness/interop/native-build.ts): cpeer-main.c (options, the
 * network rule, the loop), cpeer-tox.c (profile, callbacks, identity), cpeer-commands.c (stdin
 * commands, flood), cpeer-json.c (the JSON lines), cpeer.h (what they share).
 *
 * Usage: cpeer [--profile PATH] [--port N] [--name NAME] [--status-message TEXT]
 *              [--bootstrap 127.0.0.1:PORT:DHTPKHEX | [::1]:PORT:DHTPKHEX]... [--ipv6]
 *              [--udp-off] [--tcp-port N] [--tcp-relay 127.0.0.1:PORT:PKHEX | [::1]:PORT:PKHEX]...
 *              [--accept-all] [--echo] [--verbose]
 *
 * --port N: the first UDP port tried; like c-toxcore's default 33445..33545, it then tries up to N+99
 * (the port actually bound is in the `ready` event). --profile PATH: loaded when the file exists,
 * written (atomically) on `save` and on exit.
 *
 * Always: local discovery off, no proxy; IPv4 only unless --ipv6, which enables c-toxcore's IPv6
 * socket (it binds [::], which the shim turns into [::1]: the peer then speaks IPv6 on ::1 only).
 * It refuses to start unless loopback-shim.so is preloaded (it looks up the symbol the shim
 * exports), because libtoxcore 0.2.18 binds 0.0.0.0 / :: and cannot be told otherwise. Bootstrap
 * nodes and TCP relays must be 127.0.0.1 or ::1.
 *
 * TCP (tox.h tox_options udp_enabled / tcp_port, tox_add_tcp_relay):
 *   --udp-off      no UDP socket at all: a TCP-only client (Tor users run this). Its bootstrap
 *                  nodes then only seed its onion paths (tox.c tox_bootstrap: onion_add_bs_path_node).
 *   --tcp-port N   serve as a TCP relay on port N (Messenger.c new_messenger → TCP_server.c
 *                  new_TCP_server, keyed by the DHT key). It listens on 0.0.0.0:N, or dual-stack
 *                  [::]:N with --ipv6 (TCP_server.c new_listening_TCP_socket); the shim turns that
 *                  into 127.0.0.1:N, or [::1]:N with --ipv6 (then IPv6 only: no 127.0.0.1).
 *   --tcp-relay    a TCP relay to connect to (repeatable): IP:PORT:PK, PK its DHT key.
 *   `ready`/`info` add "udp" (false with --udp-off), "tcp_port" (tox_self_get_tcp_port, 0 when no
 *   relay is served) and "tcp_pk" (the relay key = tox_self_get_dht_id, only when tcp_port > 0);
 *   friend_connection "status" is "tcp" or "udp" (TOX_CONNECTION_TCP / _UDP).
 *
 * stdout: one JSON object per line, each with "t" (ms since tox_new) and "event":
 *   ready, self_connection, friend_request, tcp_relay_added, friend_added, friend_connection, friend_name,
 *   friend_status_message, message, receipt, sent, flood, friends, info, saved, error, bye.
 * stdin: line commands (read without blocking the tox loop):
 *   add TOXID MESSAGE...     addnr PK                send N TEXT...      action N TEXT...
 *   sendhex N HEX            name NAME...            status TEXT...      bootstrap IP PORT DHTPK
 *   tcprelay IP PORT PK      (tox_add_tcp_relay; event tcp_relay_added)
 *   friends                  info                    save                quit
 *   flood N COUNT SIZE       (COUNT messages of SIZE bytes to friend N, each enqueued as soon as
 *                            tox_friend_send_message accepts it; text = 8-digit sequence number
 *                            then 'x's; no `sent` events; one `flood` event when all are enqueued:
 *                            friend, count, size, first_id, last_id, sendq_waits)
 * EOF on stdin means quit. SIGTERM/SIGINT also quit (the profile is saved on the way out).
 */
#include "cpeer.h"

#define MAX_BOOTSTRAPS 16
#define MAX_TCP_RELAYS 16
#define PORT_RANGE_SPAN 100 /* ports tried after --port, like c-toxcore's default 33445..33545 */

/* ---------- options and global state ---------- */

typedef struct {
  char ip[64];
  uint16_t port;
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
} Bootstrap;

const char *opt_profile = NULL;
static int opt_port = 0;
static const char *opt_name = NULL;
static const char *opt_status = NULL;
bool opt_accept_all = false;
bool opt_echo = false;
bool opt_verbose = false;
static bool opt_ipv6 = false;
static Bootstrap bootstraps[MAX_BOOTSTRAPS];
static int n_bootstraps = 0;
bool opt_udp_off = false;
static int opt_tcp_port = 0;
static Bootstrap tcp_relays[MAX_TCP_RELAYS];
static int n_tcp_relays = 0;

struct timespec t0;
static volatile sig_atomic_t stop_requested = 0;
bool quitting = false;
Flood flood = {0};

/* ---------- main ---------- */

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: cpeer [--profile PATH] [--port N] [--name NAME] [--status-message TEXT]\n"
          "             [--bootstrap 127.0.0.1:PORT:DHTPKHEX | [::1]:PORT:DHTPKHEX]... [--ipv6]\n"
          "             [--udp-off] [--tcp-port N] [--tcp-relay 127.0.0.1:PORT:PKHEX | [::1]:PORT:PKHEX]...\n"
          "             [--accept-all] [--echo] [--verbose]\n");
}

/* Parses IP:PORT:KEY into list[*n] (what: "bootstrap" or "TCP relay", for the refusal message). */
static bool parse_node_arg(const char *arg, Bootstrap *list, int *n, int max, const char *what) {
  if (*n >= max) return false;
  /* 127.0.0.1:PORT:KEY, or [::1]:PORT:KEY (an IPv6 address in brackets). */
  const char *host = arg;
  const char *host_end;
  const char *c1;
  if (arg[0] == '[') {
    host = arg + 1;
    host_end = strchr(host, ']');
    if (host_end == NULL || host_end[1] != ':') return false;
    c1 = host_end + 1;
  } else {
    c1 = strchr(arg, ':');
    host_end = c1;
  }
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c1 == NULL || c2 == NULL || (size_t)(host_end - host) >= sizeof list[0].ip) return false;
  Bootstrap *b = &list[*n];
  memcpy(b->ip, host, (size_t)(host_end - host));
  b->ip[host_end - host] = '\0';
  if (!bootstrap_address_allowed(b->ip)) {
    fprintf(stderr, "cpeer: refusing %s address %s: only 127.0.0.1 and ::1 are allowed\n", what, b->ip);
    exit(2);
  }
  char *end;
  long port = strtol(c1 + 1, &end, 10);
  if (end != c2 || port < 1 || port > 65535) return false;
  b->port = (uint16_t)port;
  if (!hex_decode(b->pk, sizeof b->pk, c2 + 1)) return false;
  (*n)++;
  return true;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--profile") == 0 && v) { opt_profile = v; i++; }
    else if (strcmp(a, "--port") == 0 && v) {
      char *end;
      long p = strtol(v, &end, 10);
      if (*end != '\0' || p < 1 || p > 65535) { usage(); return 2; }
      opt_port = (int)p;
      i++;
    }
    else if (strcmp(a, "--name") == 0 && v) { opt_name = v; i++; }
    else if (strcmp(a, "--status-message") == 0 && v) { opt_status = v; i++; }
    else if (strcmp(a, "--bootstrap") == 0 && v) {
      if (!parse_node_arg(v, bootstraps, &n_bootstraps, MAX_BOOTSTRAPS, "bootstrap")) { fprintf(stderr, "cpeer: bad --bootstrap %s (want 127.0.0.1:PORT:DHTPKHEX or [::1]:PORT:DHTPKHEX)\n", v); return 2; }
      i++;
    }
    else if (strcmp(a, "--tcp-relay") == 0 && v) {
      if (!parse_node_arg(v, tcp_relays, &n_tcp_relays, MAX_TCP_RELAYS, "TCP relay")) { fprintf(stderr, "cpeer: bad --tcp-relay %s (want 127.0.0.1:PORT:PKHEX or [::1]:PORT:PKHEX)\n", v); return 2; }
      i++;
    }
    else if (strcmp(a, "--tcp-port") == 0 && v) {
      char *end;
      long p = strtol(v, &end, 10);
      if (*end != '\0' || p < 1 || p > 65535) { usage(); return 2; }
      opt_tcp_port = (int)p;
      i++;
    }
    else if (strcmp(a, "--udp-off") == 0) opt_udp_off = true;
    else if (strcmp(a, "--accept-all") == 0) opt_accept_all = true;
    else if (strcmp(a, "--echo") == 0) opt_echo = true;
    else if (strcmp(a, "--verbose") == 0) opt_verbose = true;
    else if (strcmp(a, "--ipv6") == 0) opt_ipv6 = true;
    else { usage(); return 2; }
  }

  /* The network rule: never run c-toxcore without the loopback bind/send shim. */
  if (dlsym(RTLD_DEFAULT, "toxstate_loopback_shim_active") == NULL) {
    fprintf(stderr, "cpeer: loopback-shim.so is not preloaded (LD_PRELOAD); refusing to start\n");
    return 3;
  }

  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

  struct Tox_Options *opts = tox_options_new(NULL);
  if (opts == NULL) return 1;
  tox_options_set_ipv6_enabled(opts, opt_ipv6);
  tox_options_set_udp_enabled(opts, !opt_udp_off);
  tox_options_set_local_discovery_enabled(opts, false);
  tox_options_set_proxy_type(opts, TOX_PROXY_TYPE_NONE);
  tox_options_set_tcp_port(opts, (uint16_t)opt_tcp_port);
  if (opt_port != 0) {
    int end = opt_port + PORT_RANGE_SPAN - 1;
    tox_options_set_start_port(opts, (uint16_t)opt_port);
    tox_options_set_end_port(opts, (uint16_t)(end > 65535 ? 65535 : end));
  }
  tox_options_set_log_callback(opts, on_log);

  uint8_t *save = NULL;
  size_t save_len = 0;
  if (opt_profile != NULL) {
    save = read_file(opt_profile, &save_len);
    if (save != NULL && save_len > 0) {
      tox_options_set_savedata_type(opts, TOX_SAVEDATA_TYPE_TOX_SAVE);
      tox_options_set_savedata_data(opts, save, save_len);
    }
  }

  clock_gettime(CLOCK_MONOTONIC, &t0);
  Tox_Err_New err;
  Tox *tox = tox_new(opts, &err);
  tox_options_free(opts);
  free(save);
  if (tox == NULL) {
    ev_error("tox_new", NAME_OF(err_new_names, err), (int)err);
    return 1;
  }

  register_callbacks(tox);

  if (opt_name != NULL) tox_self_set_name(tox, (const uint8_t *)opt_name, strlen(opt_name), NULL);
  if (opt_status != NULL) tox_self_set_status_message(tox, (const uint8_t *)opt_status, strlen(opt_status), NULL);

  emit_identity(tox, "ready");
  for (int i = 0; i < n_bootstraps; i++) {
    char pkhex[2 * TOX_PUBLIC_KEY_SIZE + 1];
    hex_encode(pkhex, bootstraps[i].pk, sizeof bootstraps[i].pk);
    do_bootstrap(tox, bootstraps[i].ip, bootstraps[i].port, pkhex);
  }
  for (int i = 0; i < n_tcp_relays; i++) {
    char pkhex[2 * TOX_PUBLIC_KEY_SIZE + 1];
    hex_encode(pkhex, tcp_relays[i].pk, sizeof tcp_relays[i].pk);
    do_add_tcp_relay(tox, tcp_relays[i].ip, tcp_relays[i].port, pkhex);
  }

  int status = 0;
  while (!quitting && !stop_requested) {
    tox_iterate(tox, NULL);
    if (!pump_stdin(tox)) break; /* EOF: whoever drove us is gone */
    if (quitting) break;
    if (flood.remaining > 0) flood_step(tox);
    struct pollfd p = {.fd = 0, .events = POLLIN};
    /* While a flood waits for send-queue room, iterate again at once. */
    int r = poll(&p, 1, flood.remaining > 0 ? 0 : (int)tox_iteration_interval(tox));
    if (r < 0 && errno != EINTR) { status = 1; break; }
  }

  if (opt_profile != NULL) save_profile(tox);
  Str s = ev_begin("bye");
  ev_end(&s);
  tox_kill(tox);
  free(flood.text);
  return status;
}
