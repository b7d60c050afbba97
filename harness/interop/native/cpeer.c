/*
 * cpeer.c — a small c-toxcore 0.2.18 reference peer for toxstate's interop tests and benchmarks.
 *
 * Usage: cpeer [--profile PATH] [--port N] [--name NAME] [--status-message TEXT]
 *              [--bootstrap 127.0.0.1:PORT:DHTPKHEX]... [--accept-all] [--echo] [--verbose]
 *
 * --port N: the first UDP port tried; like c-toxcore's default 33445..33545, it then tries up to N+99
 * (the port actually bound is in the `ready` event). --profile PATH: loaded when the file exists,
 * written (atomically) on `save` and on exit.
 *
 * Always: local discovery off, IPv4 only, UDP on, no TCP relay server, no proxy. It refuses to
 * start unless loopback-shim.so is preloaded (it looks up the symbol the shim exports), because
 * libtoxcore 0.2.18 binds 0.0.0.0 and cannot be told otherwise. Bootstrap nodes must be 127.0.0.1.
 *
 * stdout: one JSON object per line, each with "t" (ms since tox_new) and "event":
 *   ready, self_connection, friend_request, friend_added, friend_connection, friend_name,
 *   friend_status_message, message, receipt, sent, flood, friends, info, saved, error, bye.
 * stdin: line commands (read without blocking the tox loop):
 *   add TOXID MESSAGE...     addnr PK                send N TEXT...      action N TEXT...
 *   sendhex N HEX            name NAME...            status TEXT...      bootstrap IP PORT DHTPK
 *   friends                  info                    save                quit
 *   flood N COUNT SIZE       (COUNT messages of SIZE bytes to friend N, each enqueued as soon as
 *                            tox_friend_send_message accepts it; text = 8-digit sequence number
 *                            then 'x's; no `sent` events; one `flood` event when all are enqueued:
 *                            friend, count, size, first_id, last_id, sendq_waits)
 * EOF on stdin means quit. SIGTERM/SIGINT also quit (the profile is saved on the way out).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tox/tox.h>

#define MAX_BOOTSTRAPS 16
#define LINE_MAX_BYTES 8192
#define PORT_RANGE_SPAN 100 /* ports tried after --port, like c-toxcore's default 33445..33545 */
#define FLOOD_MAX_COUNT 1000000 /* bound on one flood command */

/* ---------- options and global state ---------- */

typedef struct {
  char ip[64];
  uint16_t port;
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
} Bootstrap;

static const char *opt_profile = NULL;
static int opt_port = 0;
static const char *opt_name = NULL;
static const char *opt_status = NULL;
static bool opt_accept_all = false;
static bool opt_echo = false;
static bool opt_verbose = false;
static Bootstrap bootstraps[MAX_BOOTSTRAPS];
static int n_bootstraps = 0;

static struct timespec t0;
static volatile sig_atomic_t stop_requested = 0;
static bool quitting = false;

/* The flood in progress (flood command): messages still to enqueue, and what was enqueued so far. */
static struct {
  uint32_t friend_number;
  uint32_t remaining, count, size, next_seq, first_id, last_id;
  unsigned long sendq_waits;
  uint8_t *text;
} flood = {0};

typedef unsigned long (*counter_fn)(void);

/* ---------- small helpers ---------- */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)(ts.tv_sec - t0.tv_sec) * 1000LL + (ts.tv_nsec - t0.tv_nsec) / 1000000LL;
}

static void hex_encode(char *out, const uint8_t *in, size_t n) {
  static const char digits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes exactly `n` bytes from `hex` (which must have exactly 2n hex digits). */
static bool hex_decode(uint8_t *out, size_t n, const char *hex) {
  if (strlen(hex) != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

/* ---------- error names (0.2.18 has no tox_err_*_to_string) ---------- */

static const char *name_of(const char *const *names, size_t n, int code) {
  return code >= 0 && (size_t)code < n ? names[code] : "UNKNOWN";
}
#define NAME_OF(table, code) name_of(table, sizeof table / sizeof table[0], (int)(code))

static const char *const err_new_names[] = {"OK", "NULL", "MALLOC", "PORT_ALLOC", "PROXY_BAD_TYPE", "PROXY_BAD_HOST",
                                            "PROXY_BAD_PORT", "PROXY_NOT_FOUND", "LOAD_ENCRYPTED", "LOAD_BAD_FORMAT"};
static const char *const err_bootstrap_names[] = {"OK", "NULL", "BAD_HOST", "BAD_PORT"};
static const char *const err_set_info_names[] = {"OK", "NULL", "TOO_LONG"};
static const char *const err_friend_add_names[] = {"OK",           "NULL",         "TOO_LONG",        "NO_MESSAGE", "OWN_KEY",
                                                   "ALREADY_SENT", "BAD_CHECKSUM", "SET_NEW_NOSPAM", "MALLOC"};
static const char *const err_send_names[] = {"OK", "NULL", "FRIEND_NOT_FOUND", "FRIEND_NOT_CONNECTED", "SENDQ", "TOO_LONG", "EMPTY"};

/* ---------- JSON output ---------- */

typedef struct {
  char *buf;
  size_t len, cap;
} Str;

static void s_reserve(Str *s, size_t more) {
  if (s->len + more + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 256;
  while (cap < s->len + more + 1) cap *= 2;
  char *p = realloc(s->buf, cap);
  if (p == NULL) abort();
  s->buf = p;
  s->cap = cap;
}

static void s_raw(Str *s, const char *p, size_t n) {
  s_reserve(s, n);
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  s->buf[s->len] = '\0';
}

static void s_fmt(Str *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    s_reserve(s, (size_t)n);
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap2);
    s->len += (size_t)n;
  }
  va_end(ap2);
}

/* Length of a valid UTF-8 sequence starting at p (max n bytes), or 0 when invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n) {
  uint8_t c = p[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return len;
}

/*
 * Appends a JSON string. Quotes, backslashes and control characters are escaped, valid UTF-8
 * passes through, and each invalid byte becomes U+FFFD; returns false when any byte was invalid
 * (the caller then adds the raw bytes as hex so nothing is lost).
 */
static bool s_json_string(Str *s, const uint8_t *p, size_t n) {
  bool valid = true;
  s_raw(s, "\"", 1);
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c == '"') { s_raw(s, "\\\"", 2); i++; continue; }
    if (c == '\\') { s_raw(s, "\\\\", 2); i++; continue; }
    if (c == '\n') { s_raw(s, "\\n", 2); i++; continue; }
    if (c == '\r') { s_raw(s, "\\r", 2); i++; continue; }
    if (c == '\t') { s_raw(s, "\\t", 2); i++; continue; }
    if (c < 0x20 || c == 0x7F) { s_fmt(s, "\\u%04x", c); i++; continue; }
    size_t l = utf8_seq(p + i, n - i);
    if (l == 0) {
      s_raw(s, "\\ufffd", 6);
      valid = false;
      i++;
      continue;
    }
    s_raw(s, (const char *)p + i, l);
    i += l;
  }
  s_raw(s, "\"", 1);
  return valid;
}

static void s_key_string(Str *s, const char *key, const uint8_t *p, size_t n) {
  s_fmt(s, ",\"%s\":", key);
  if (!s_json_string(s, p, n)) {
    char *h = malloc(2 * n + 1);
    if (h == NULL) abort();
    hex_encode(h, p, n);
    s_fmt(s, ",\"%s_hex\":\"%s\"", key, h);
    free(h);
  }
}

static void s_key_cstr(Str *s, const char *key, const char *v) { s_key_string(s, key, (const uint8_t *)v, strlen(v)); }

static void s_key_hex(Str *s, const char *key, const uint8_t *p, size_t n) {
  char h[2 * TOX_ADDRESS_SIZE + 1];
  if (n > TOX_ADDRESS_SIZE) abort();
  hex_encode(h, p, n);
  s_fmt(s, ",\"%s\":\"%s\"", key, h);
}

static Str ev_begin(const char *name) {
  Str s = {0};
  s_fmt(&s, "{\"t\":%lld,\"event\":\"%s\"", now_ms(), name);
  return s;
}

static void ev_end(Str *s) {
  s_raw(s, "}\n", 2);
  fwrite(s->buf, 1, s->len, stdout);
  fflush(stdout);
  free(s->buf);
}

static void ev_error(const char *what, const char *detail, int code) {
  Str s = ev_begin("error");
  s_key_cstr(&s, "what", what);
  if (detail != NULL) s_key_cstr(&s, "detail", detail);
  if (code >= 0) s_fmt(&s, ",\"code\":%d", code);
  ev_end(&s);
}

static const char *conn_name(Tox_Connection c) {
  switch (c) {
    case TOX_CONNECTION_TCP: return "tcp";
    case TOX_CONNECTION_UDP: return "udp";
    default: return "none";
  }
}

static void s_friend(Str *s, const Tox *tox, uint32_t friend_number) {
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
  s_fmt(s, ",\"friend\":%" PRIu32, friend_number);
  if (tox_friend_get_public_key(tox, friend_number, pk, NULL)) s_key_hex(s, "pk", pk, sizeof pk);
}

/* ---------- profile ---------- */

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *p = realloc(buf, cap);
      if (p == NULL) abort();
      buf = p;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  fclose(f);
  *len = n;
  return buf;
}

static bool save_profile(const Tox *tox) {
  if (opt_profile == NULL) return false;
  size_t n = tox_get_savedata_size(tox);
  uint8_t *data = malloc(n ? n : 1);
  if (data == NULL) abort();
  tox_get_savedata(tox, data);
  size_t plen = strlen(opt_profile);
  char *tmp = malloc(plen + 32);
  if (tmp == NULL) abort();
  snprintf(tmp, plen + 32, "%s.tmp.%d", opt_profile, (int)getpid());
  FILE *f = fopen(tmp, "wb");
  bool ok = f != NULL && fwrite(data, 1, n, f) == n;
  if (f != NULL && fclose(f) != 0) ok = false;
  if (ok && rename(tmp, opt_profile) != 0) ok = false;
  if (!ok) {
    unlink(tmp);
    ev_error("save", strerror(errno), -1);
  } else {
    Str s = ev_begin("saved");
    s_key_cstr(&s, "path", opt_profile);
    s_fmt(&s, ",\"bytes\":%zu", n);
    ev_end(&s);
  }
  free(tmp);
  free(data);
  return ok;
}

/* ---------- callbacks ---------- */

static void on_self_connection(Tox *tox, Tox_Connection status, void *ud) {
  (void)tox;
  (void)ud;
  Str s = ev_begin("self_connection");
  s_fmt(&s, ",\"status\":\"%s\"", conn_name(status));
  ev_end(&s);
}

static void emit_friend_added(const Tox *tox, uint32_t friend_number, const char *via) {
  Str s = ev_begin("friend_added");
  s_friend(&s, tox, friend_number);
  s_fmt(&s, ",\"via\":\"%s\"", via);
  ev_end(&s);
}

static void on_friend_request(Tox *tox, const uint8_t *pk, const uint8_t *msg, size_t len, void *ud) {
  (void)ud;
  Str s = ev_begin("friend_request");
  s_key_hex(&s, "pk", pk, TOX_PUBLIC_KEY_SIZE);
  s_key_string(&s, "message", msg, len);
  ev_end(&s);
  if (opt_accept_all) {
    Tox_Err_Friend_Add err;
    uint32_t fn = tox_friend_add_norequest(tox, pk, &err);
    if (fn == UINT32_MAX) ev_error("accept", NAME_OF(err_friend_add_names, err), (int)err);
    else emit_friend_added(tox, fn, "accept-all");
  }
}

static void on_friend_connection(Tox *tox, uint32_t fn, Tox_Connection status, void *ud) {
  (void)ud;
  Str s = ev_begin("friend_connection");
  s_friend(&s, tox, fn);
  s_fmt(&s, ",\"status\":\"%s\"", conn_name(status));
  ev_end(&s);
}

static void on_friend_name(Tox *tox, uint32_t fn, const uint8_t *name, size_t len, void *ud) {
  (void)ud;
  Str s = ev_begin("friend_name");
  s_friend(&s, tox, fn);
  s_key_string(&s, "name", name, len);
  ev_end(&s);
}

static void on_friend_status_message(Tox *tox, uint32_t fn, const uint8_t *msg, size_t len, void *ud) {
  (void)ud;
  Str s = ev_begin("friend_status_message");
  s_friend(&s, tox, fn);
  s_key_string(&s, "message", msg, len);
  ev_end(&s);
}

static void emit_sent(uint32_t fn, uint32_t id) {
  Str s = ev_begin("sent");
  s_fmt(&s, ",\"friend\":%" PRIu32 ",\"id\":%" PRIu32, fn, id);
  ev_end(&s);
}

static void do_send(Tox *tox, uint32_t fn, Tox_Message_Type type, const uint8_t *text, size_t len) {
  Tox_Err_Friend_Send_Message err;
  uint32_t id = tox_friend_send_message(tox, fn, type, text, len, &err);
  if (err != TOX_ERR_FRIEND_SEND_MESSAGE_OK) ev_error("send", NAME_OF(err_send_names, err), (int)err);
  else emit_sent(fn, id);
}

static void on_friend_message(Tox *tox, uint32_t fn, Tox_Message_Type type, const uint8_t *msg, size_t len, void *ud) {
  (void)ud;
  Str s = ev_begin("message");
  s_friend(&s, tox, fn);
  s_key_string(&s, "text", msg, len);
  s_fmt(&s, ",\"type\":\"%s\"", type == TOX_MESSAGE_TYPE_ACTION ? "action" : "normal");
  ev_end(&s);
  if (opt_echo) do_send(tox, fn, type, msg, len);
}

static void on_receipt(Tox *tox, uint32_t fn, uint32_t id, void *ud) {
  (void)tox;
  (void)ud;
  Str s = ev_begin("receipt");
  s_fmt(&s, ",\"friend\":%" PRIu32 ",\"id\":%" PRIu32, fn, id);
  ev_end(&s);
}

static void on_log(Tox *tox, Tox_Log_Level level, const char *file, uint32_t line, const char *func, const char *message,
                   void *ud) {
  (void)tox;
  (void)ud;
  if (!opt_verbose) return;
  fprintf(stderr, "%lld [%d] %s:%" PRIu32 " %s: %s\n", now_ms(), (int)level, file, line, func, message);
}

/* ---------- info / friends ---------- */

static void emit_identity(Tox *tox, const char *event) {
  uint8_t addr[TOX_ADDRESS_SIZE], pk[TOX_PUBLIC_KEY_SIZE], dht[TOX_PUBLIC_KEY_SIZE];
  tox_self_get_address(tox, addr);
  tox_self_get_public_key(tox, pk);
  tox_self_get_dht_id(tox, dht);
  Tox_Err_Get_Port perr;
  uint16_t port = tox_self_get_udp_port(tox, &perr);
  Str s = ev_begin(event);
  s_key_hex(&s, "toxid", addr, sizeof addr);
  s_key_hex(&s, "pk", pk, sizeof pk);
  s_key_hex(&s, "dhtpk", dht, sizeof dht);
  s_fmt(&s, ",\"port\":%u", perr == TOX_ERR_GET_PORT_OK ? (unsigned)port : 0u);
  size_t nlen = tox_self_get_name_size(tox);
  uint8_t *name = malloc(nlen + 1);
  if (name == NULL) abort();
  tox_self_get_name(tox, name);
  s_key_string(&s, "name", name, nlen);
  free(name);
  s_fmt(&s, ",\"self_connection\":\"%s\",\"friend_count\":%zu", conn_name(tox_self_get_connection_status(tox)),
        tox_self_get_friend_list_size(tox));
  counter_fn dropped = (counter_fn)dlsym(RTLD_DEFAULT, "toxstate_shim_dropped");
  counter_fn rebound = (counter_fn)dlsym(RTLD_DEFAULT, "toxstate_shim_rebound");
  if (dropped != NULL && rebound != NULL) s_fmt(&s, ",\"shim_dropped\":%lu,\"shim_rebound\":%lu", dropped(), rebound());
  ev_end(&s);
}

static void emit_friends(Tox *tox) {
  size_t n = tox_self_get_friend_list_size(tox);
  uint32_t *list = malloc((n ? n : 1) * sizeof *list);
  if (list == NULL) abort();
  tox_self_get_friend_list(tox, list);
  Str s = ev_begin("friends");
  s_raw(&s, ",\"friends\":[", 12);
  for (size_t i = 0; i < n; i++) {
    Str f = {0};
    s_fmt(&f, "{\"friend\":%" PRIu32, list[i]);
    uint8_t pk[TOX_PUBLIC_KEY_SIZE];
    if (tox_friend_get_public_key(tox, list[i], pk, NULL)) s_key_hex(&f, "pk", pk, sizeof pk);
    s_fmt(&f, ",\"status\":\"%s\"", conn_name(tox_friend_get_connection_status(tox, list[i], NULL)));
    size_t nl = tox_friend_get_name_size(tox, list[i], NULL);
    uint8_t *name = malloc(nl + 1);
    if (name == NULL) abort();
    if (tox_friend_get_name(tox, list[i], name, NULL)) s_key_string(&f, "name", name, nl);
    free(name);
    s_raw(&f, "}", 1);
    if (i > 0) s_raw(&s, ",", 1);
    s_raw(&s, f.buf, f.len);
    free(f.buf);
  }
  s_raw(&s, "]", 1);
  ev_end(&s);
  free(list);
}

/* ---------- commands ---------- */

static bool do_bootstrap(Tox *tox, const char *ip, long port, const char *pkhex) {
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
  if (strcmp(ip, "127.0.0.1") != 0) {
    ev_error("bootstrap", "only 127.0.0.1 is allowed (network rule)", -1);
    return false;
  }
  if (port < 1 || port > 65535) {
    ev_error("bootstrap", "bad port", -1);
    return false;
  }
  if (!hex_decode(pk, sizeof pk, pkhex)) {
    ev_error("bootstrap", "DHT public key must be 64 hex digits", -1);
    return false;
  }
  Tox_Err_Bootstrap err;
  if (!tox_bootstrap(tox, ip, (uint16_t)port, pk, &err)) {
    ev_error("bootstrap", NAME_OF(err_bootstrap_names, err), (int)err);
    return false;
  }
  return true;
}

/* Splits off the next space-separated word; returns NULL at the end. Modifies the line. */
static char *next_word(char **rest) {
  char *p = *rest;
  while (*p == ' ') p++;
  if (*p == '\0') return NULL;
  char *w = p;
  while (*p != '\0' && *p != ' ') p++;
  if (*p == ' ') *p++ = '\0';
  *rest = p;
  return w;
}

static bool parse_friend(const char *w, uint32_t *fn) {
  if (w == NULL || *w == '\0') return false;
  char *end;
  errno = 0;
  unsigned long v = strtoul(w, &end, 10);
  if (errno != 0 || *end != '\0' || v > UINT32_MAX) return false;
  *fn = (uint32_t)v;
  return true;
}

static void handle_line(Tox *tox, char *line) {
  size_t l = strlen(line);
  if (l > 0 && line[l - 1] == '\r') line[--l] = '\0';
  char *rest = line;
  char *cmd = next_word(&rest);
  if (cmd == NULL) return;
  while (*rest == ' ') rest++;

  if (strcmp(cmd, "add") == 0) {
    char *id = next_word(&rest);
    while (*rest == ' ') rest++;
    uint8_t addr[TOX_ADDRESS_SIZE];
    if (id == NULL || !hex_decode(addr, sizeof addr, id)) {
      ev_error("add", "Tox ID must be 76 hex digits", -1);
      return;
    }
    const char *msg = *rest ? rest : "toxstate cpeer friend request";
    Tox_Err_Friend_Add err;
    uint32_t fn = tox_friend_add(tox, addr, (const uint8_t *)msg, strlen(msg), &err);
    if (fn == UINT32_MAX) ev_error("add", NAME_OF(err_friend_add_names, err), (int)err);
    else emit_friend_added(tox, fn, "add");
  } else if (strcmp(cmd, "addnr") == 0) {
    char *w = next_word(&rest);
    uint8_t pk[TOX_PUBLIC_KEY_SIZE];
    if (w == NULL || !hex_decode(pk, sizeof pk, w)) {
      ev_error("addnr", "public key must be 64 hex digits", -1);
      return;
    }
    Tox_Err_Friend_Add err;
    uint32_t fn = tox_friend_add_norequest(tox, pk, &err);
    if (fn == UINT32_MAX) ev_error("addnr", NAME_OF(err_friend_add_names, err), (int)err);
    else emit_friend_added(tox, fn, "addnr");
  } else if (strcmp(cmd, "send") == 0 || strcmp(cmd, "action") == 0) {
    uint32_t fn;
    if (!parse_friend(next_word(&rest), &fn)) {
      ev_error(cmd, "usage: send|action FRIENDNUM TEXT...", -1);
      return;
    }
    /* next_word consumed exactly one separator; any further spaces belong to the text */
    do_send(tox, fn, strcmp(cmd, "action") == 0 ? TOX_MESSAGE_TYPE_ACTION : TOX_MESSAGE_TYPE_NORMAL, (const uint8_t *)rest,
            strlen(rest));
  } else if (strcmp(cmd, "sendhex") == 0) {
    uint32_t fn;
    char *h = NULL;
    if (!parse_friend(next_word(&rest), &fn) || (h = next_word(&rest)) == NULL || strlen(h) % 2 != 0) {
      ev_error("sendhex", "usage: sendhex FRIENDNUM HEX", -1);
      return;
    }
    size_t n = strlen(h) / 2;
    uint8_t *bytes = malloc(n ? n : 1);
    if (bytes == NULL) abort();
    if (!hex_decode(bytes, n, h)) ev_error("sendhex", "bad hex", -1);
    else do_send(tox, fn, TOX_MESSAGE_TYPE_NORMAL, bytes, n);
    free(bytes);
  } else if (strcmp(cmd, "flood") == 0) {
    uint32_t fn, count, size;
    if (!parse_friend(next_word(&rest), &fn) || !parse_friend(next_word(&rest), &count) || !parse_friend(next_word(&rest), &size) || count == 0 ||
        count > FLOOD_MAX_COUNT || size < 8 || size > TOX_MAX_MESSAGE_LENGTH) {
      ev_error("flood", "usage: flood FRIENDNUM COUNT SIZE (1..1000000 messages of 8..1372 bytes)", -1);
      return;
    }
    if (flood.remaining > 0) {
      ev_error("flood", "a flood is already running", -1);
      return;
    }
    free(flood.text);
    flood.text = malloc(size);
    if (flood.text == NULL) abort();
    memset(flood.text, 'x', size);
    flood.friend_number = fn;
    flood.remaining = flood.count = count;
    flood.size = size;
    flood.next_seq = 0;
    flood.sendq_waits = 0;
  } else if (strcmp(cmd, "name") == 0) {
    Tox_Err_Set_Info err;
    if (!tox_self_set_name(tox, (const uint8_t *)rest, strlen(rest), &err)) ev_error("name", NAME_OF(err_set_info_names, err), (int)err);
    else emit_identity(tox, "info");
  } else if (strcmp(cmd, "status") == 0) {
    Tox_Err_Set_Info err;
    if (!tox_self_set_status_message(tox, (const uint8_t *)rest, strlen(rest), &err))
      ev_error("status", NAME_OF(err_set_info_names, err), (int)err);
    else emit_identity(tox, "info");
  } else if (strcmp(cmd, "bootstrap") == 0) {
    char *ip = next_word(&rest), *port = next_word(&rest), *pk = next_word(&rest);
    if (ip == NULL || port == NULL || pk == NULL) {
      ev_error("bootstrap", "usage: bootstrap IP PORT DHTPK", -1);
      return;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*end != '\0') p = -1;
    if (do_bootstrap(tox, ip, p, pk)) {
      Str s = ev_begin("bootstrapped");
      s_key_cstr(&s, "ip", ip);
      s_fmt(&s, ",\"port\":%ld", p);
      ev_end(&s);
    }
  } else if (strcmp(cmd, "friends") == 0) {
    emit_friends(tox);
  } else if (strcmp(cmd, "info") == 0) {
    emit_identity(tox, "info");
  } else if (strcmp(cmd, "save") == 0) {
    if (opt_profile == NULL) ev_error("save", "no --profile given", -1);
    else save_profile(tox);
  } else if (strcmp(cmd, "quit") == 0) {
    quitting = true;
  } else {
    ev_error("command", cmd, -1);
  }
}

/* Enqueues flood messages until done or the send queue refuses one (then the next loop retries). */
static void flood_step(Tox *tox) {
  while (flood.remaining > 0) {
    char seq[9];
    snprintf(seq, sizeof seq, "%08" PRIu32, flood.next_seq % 100000000u);
    memcpy(flood.text, seq, 8);
    Tox_Err_Friend_Send_Message err;
    uint32_t id = tox_friend_send_message(tox, flood.friend_number, TOX_MESSAGE_TYPE_NORMAL, flood.text, flood.size, &err);
    if (err == TOX_ERR_FRIEND_SEND_MESSAGE_SENDQ) {
      flood.sendq_waits++;
      return;
    }
    if (err != TOX_ERR_FRIEND_SEND_MESSAGE_OK) {
      ev_error("flood", NAME_OF(err_send_names, err), (int)err);
      flood.remaining = 0;
      return;
    }
    if (flood.next_seq == 0) flood.first_id = id;
    flood.last_id = id;
    flood.next_seq++;
    flood.remaining--;
  }
  Str s = ev_begin("flood");
  s_fmt(&s, ",\"friend\":%" PRIu32 ",\"count\":%" PRIu32 ",\"size\":%" PRIu32 ",\"first_id\":%" PRIu32 ",\"last_id\":%" PRIu32 ",\"sendq_waits\":%lu",
        flood.friend_number, flood.count, flood.size, flood.first_id, flood.last_id, flood.sendq_waits);
  ev_end(&s);
}

/* Reads whatever stdin has without blocking; handles complete lines. Returns false on EOF. */
static bool pump_stdin(Tox *tox) {
  static char buf[LINE_MAX_BYTES];
  static size_t used = 0;
  static bool overlong = false;
  for (;;) {
    ssize_t r = read(0, buf + used, sizeof buf - 1 - used);
    if (r < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (r == 0) return false;
    used += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < used; i++) {
      if (buf[i] != '\n') continue;
      buf[i] = '\0';
      if (!overlong) handle_line(tox, buf + start);
      overlong = false;
      start = i + 1;
      if (quitting) return true;
    }
    memmove(buf, buf + start, used - start);
    used -= start;
    if (used == sizeof buf - 1) {
      ev_error("command", "line too long; ignored", -1);
      overlong = true;
      used = 0;
    }
  }
}

/* ---------- main ---------- */

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: cpeer [--profile PATH] [--port N] [--name NAME] [--status-message TEXT]\n"
          "             [--bootstrap 127.0.0.1:PORT:DHTPKHEX]... [--accept-all] [--echo] [--verbose]\n");
}

static bool parse_bootstrap_arg(const char *arg) {
  if (n_bootstraps >= MAX_BOOTSTRAPS) return false;
  const char *c1 = strchr(arg, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c1 == NULL || c2 == NULL || (size_t)(c1 - arg) >= sizeof bootstraps[0].ip) return false;
  Bootstrap *b = &bootstraps[n_bootstraps];
  memcpy(b->ip, arg, (size_t)(c1 - arg));
  b->ip[c1 - arg] = '\0';
  if (strcmp(b->ip, "127.0.0.1") != 0) {
    fprintf(stderr, "cpeer: refusing bootstrap address %s: only 127.0.0.1 is allowed\n", b->ip);
    exit(2);
  }
  char *end;
  long port = strtol(c1 + 1, &end, 10);
  if (end != c2 || port < 1 || port > 65535) return false;
  b->port = (uint16_t)port;
  if (!hex_decode(b->pk, sizeof b->pk, c2 + 1)) return false;
  n_bootstraps++;
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
      if (!parse_bootstrap_arg(v)) { fprintf(stderr, "cpeer: bad --bootstrap %s (want 127.0.0.1:PORT:DHTPKHEX)\n", v); return 2; }
      i++;
    }
    else if (strcmp(a, "--accept-all") == 0) opt_accept_all = true;
    else if (strcmp(a, "--echo") == 0) opt_echo = true;
    else if (strcmp(a, "--verbose") == 0) opt_verbose = true;
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
  tox_options_set_ipv6_enabled(opts, false);
  tox_options_set_udp_enabled(opts, true);
  tox_options_set_local_discovery_enabled(opts, false);
  tox_options_set_proxy_type(opts, TOX_PROXY_TYPE_NONE);
  tox_options_set_tcp_port(opts, 0);
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

  tox_callback_self_connection_status(tox, on_self_connection);
  tox_callback_friend_request(tox, on_friend_request);
  tox_callback_friend_connection_status(tox, on_friend_connection);
  tox_callback_friend_name(tox, on_friend_name);
  tox_callback_friend_status_message(tox, on_friend_status_message);
  tox_callback_friend_message(tox, on_friend_message);
  tox_callback_friend_read_receipt(tox, on_receipt);

  if (opt_name != NULL) tox_self_set_name(tox, (const uint8_t *)opt_name, strlen(opt_name), NULL);
  if (opt_status != NULL) tox_self_set_status_message(tox, (const uint8_t *)opt_status, strlen(opt_status), NULL);

  emit_identity(tox, "ready");
  for (int i = 0; i < n_bootstraps; i++) {
    char pkhex[2 * TOX_PUBLIC_KEY_SIZE + 1];
    hex_encode(pkhex, bootstraps[i].pk, sizeof bootstraps[i].pk);
    do_bootstrap(tox, bootstraps[i].ip, bootstraps[i].port, pkhex);
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
