/*
 * cpeer.h — what the reference peer's sources share (cpeer-main.c describes the program):
 * the options and state the callbacks and commands read, the JSON line writer, the profile and
 * identity helpers, and the command reader.
 */
#ifndef TOXSTATE_CPEER_H
#define TOXSTATE_CPEER_H

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

#define LINE_MAX_BYTES 8192
#define FLOOD_MAX_COUNT 1000000 /* bound on one flood command */

/* ---------- options and state (cpeer-main.c) ---------- */

extern const char *opt_profile;
extern bool opt_accept_all;
extern bool opt_echo;
extern bool opt_verbose;
/* --udp-off: a TCP-only client (no UDP socket). */
extern bool opt_udp_off;
/* tox_new's time: "t" of every event counts from here. */
extern struct timespec t0;
/* Set by the quit command; the main loop ends. */
extern bool quitting;

/* The flood in progress (flood command): messages still to enqueue, and what was enqueued so far. */
typedef struct {
  uint32_t friend_number;
  uint32_t remaining, count, size, next_seq, first_id, last_id;
  unsigned long sendq_waits;
  uint8_t *text;
} Flood;
extern Flood flood;

typedef unsigned long (*counter_fn)(void);

/* ---------- helpers, error names and JSON output (cpeer-json.c) ---------- */

long long now_ms(void);
void hex_encode(char *out, const uint8_t *in, size_t n);
/* Decodes exactly `n` bytes from `hex` (which must have exactly 2n hex digits). */
bool hex_decode(uint8_t *out, size_t n, const char *hex);

/* 0.2.18 has no tox_err_*_to_string. */
const char *name_of(const char *const *names, size_t n, int code);
#define NAME_OF(table, code) name_of(table, table##_n, (int)(code))
extern const char *const err_new_names[];
extern const size_t err_new_names_n;
extern const char *const err_bootstrap_names[];
extern const size_t err_bootstrap_names_n;
extern const char *const err_set_info_names[];
extern const size_t err_set_info_names_n;
extern const char *const err_friend_add_names[];
extern const size_t err_friend_add_names_n;
extern const char *const err_send_names[];
extern const size_t err_send_names_n;

/* A growing string: one event line. */
typedef struct {
  char *buf;
  size_t len, cap;
} Str;

void s_raw(Str *s, const char *p, size_t n);
void s_fmt(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void s_key_string(Str *s, const char *key, const uint8_t *p, size_t n);
void s_key_cstr(Str *s, const char *key, const char *v);
void s_key_hex(Str *s, const char *key, const uint8_t *p, size_t n);
Str ev_begin(const char *name);
void ev_end(Str *s);
void ev_error(const char *what, const char *detail, int code);
const char *conn_name(Tox_Connection c);
void s_friend(Str *s, const Tox *tox, uint32_t friend_number);

/* ---------- profile, callbacks, identity (cpeer-tox.c) ---------- */

uint8_t *read_file(const char *path, size_t *len);
bool save_profile(const Tox *tox);
void emit_friend_added(const Tox *tox, uint32_t friend_number, const char *via);
void do_send(Tox *tox, uint32_t fn, Tox_Message_Type type, const uint8_t *text, size_t len);
void on_log(Tox *tox, Tox_Log_Level level, const char *file, uint32_t line, const char *func, const char *message, void *ud);
void register_callbacks(Tox *tox);
void emit_identity(Tox *tox, const char *event);
void emit_friends(Tox *tox);

/* ---------- commands (cpeer-commands.c) ---------- */

/* Whether a bootstrap address is allowed by the network rule: exactly 127.0.0.1 or ::1. */
bool bootstrap_address_allowed(const char *ip);
bool do_bootstrap(Tox *tox, const char *ip, long port, const char *pkhex);
/* tox_add_tcp_relay under the same network rule (pkhex: the relay's DHT key). */
bool do_add_tcp_relay(Tox *tox, const char *ip, long port, const char *pkhex);
/* Enqueues flood messages until done or the send queue refuses one (then the next loop retries). */
void flood_step(Tox *tox);
/* Reads whatever stdin has without blocking; handles complete lines. Returns false on EOF. */
bool pump_stdin(Tox *tox);

#endif
