/*
 * cpeer-json.c — the reference peer's output (see cpeer-main.c): one JSON object per line on
 * stdout, each with "t" (ms since tox_new) and "event"; strings escaped, invalid UTF-8 kept as hex
 * beside its U+FFFD text. Also the hex helpers and the names of c-toxcore's error codes.
 */
#include "cpeer.h"

/* ---------- small helpers ---------- */

long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)(ts.tv_sec - t0.tv_sec) * 1000LL + (ts.tv_nsec - t0.tv_nsec) / 1000000LL;
}

void hex_encode(char *out, const uint8_t *in, size_t n) {
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
bool hex_decode(uint8_t *out, size_t n, const char *hex) {
  if (strlen(hex) != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

/* ---------- error names (0.2.18 has no tox_err_*_to_string) ---------- */

const char *name_of(const char *const *names, size_t n, int code) {
  return code >= 0 && (size_t)code < n ? names[code] : "UNKNOWN";
}

const char *const err_new_names[] = {"OK", "NULL", "MALLOC", "PORT_ALLOC", "PROXY_BAD_TYPE", "PROXY_BAD_HOST",
                                            "PROXY_BAD_PORT", "PROXY_NOT_FOUND", "LOAD_ENCRYPTED", "LOAD_BAD_FORMAT"};
const char *const err_bootstrap_names[] = {"OK", "NULL", "BAD_HOST", "BAD_PORT"};
const char *const err_set_info_names[] = {"OK", "NULL", "TOO_LONG"};
const char *const err_friend_add_names[] = {"OK",           "NULL",         "TOO_LONG",        "NO_MESSAGE", "OWN_KEY",
                                                   "ALREADY_SENT", "BAD_CHECKSUM", "SET_NEW_NOSPAM", "MALLOC"};
const char *const err_send_names[] = {"OK", "NULL", "FRIEND_NOT_FOUND", "FRIEND_NOT_CONNECTED", "SENDQ", "TOO_LONG", "EMPTY"};

const size_t err_new_names_n = sizeof err_new_names / sizeof err_new_names[0];
const size_t err_bootstrap_names_n = sizeof err_bootstrap_names / sizeof err_bootstrap_names[0];
const size_t err_set_info_names_n = sizeof err_set_info_names / sizeof err_set_info_names[0];
const size_t err_friend_add_names_n = sizeof err_friend_add_names / sizeof err_friend_add_names[0];
const size_t err_send_names_n = sizeof err_send_names / sizeof err_send_names[0];

/* ---------- JSON output ---------- */

static void s_reserve(Str *s, size_t more) {
  if (s->len + more + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 256;
  while (cap < s->len + more + 1) cap *= 2;
  char *p = realloc(s->buf, cap);
  if (p == NULL) abort();
  s->buf = p;
  s->cap = cap;
}

void s_raw(Str *s, const char *p, size_t n) {
  s_reserve(s, n);
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  s->buf[s->len] = '\0';
}

void s_fmt(Str *s, const char *fmt, ...) {
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

void s_key_string(Str *s, const char *key, const uint8_t *p, size_t n) {
  s_fmt(s, ",\"%s\":", key);
  if (!s_json_string(s, p, n)) {
    char *h = malloc(2 * n + 1);
    if (h == NULL) abort();
    hex_encode(h, p, n);
    s_fmt(s, ",\"%s_hex\":\"%s\"", key, h);
    free(h);
  }
}

void s_key_cstr(Str *s, const char *key, const char *v) { s_key_string(s, key, (const uint8_t *)v, strlen(v)); }

void s_key_hex(Str *s, const char *key, const uint8_t *p, size_t n) {
  char h[2 * TOX_ADDRESS_SIZE + 1];
  if (n > TOX_ADDRESS_SIZE) abort();
  hex_encode(h, p, n);
  s_fmt(s, ",\"%s\":\"%s\"", key, h);
}

Str ev_begin(const char *name) {
  Str s = {0};
  s_fmt(&s, "{\"t\":%lld,\"event\":\"%s\"", now_ms(), name);
  return s;
}

void ev_end(Str *s) {
  s_raw(s, "}\n", 2);
  fwrite(s->buf, 1, s->len, stdout);
  fflush(stdout);
  free(s->buf);
}

void ev_error(const char *what, const char *detail, int code) {
  Str s = ev_begin("error");
  s_key_cstr(&s, "what", what);
  if (detail != NULL) s_key_cstr(&s, "detail", detail);
  if (code >= 0) s_fmt(&s, ",\"code\":%d", code);
  ev_end(&s);
}

const char *conn_name(Tox_Connection c) {
  switch (c) {
    case TOX_CONNECTION_TCP: return "tcp";
    case TOX_CONNECTION_UDP: return "udp";
    default: return "none";
  }
}

void s_friend(Str *s, const Tox *tox, uint32_t friend_number) {
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
  s_fmt(s, ",\"friend\":%" PRIu32, friend_number);
  if (tox_friend_get_public_key(tox, friend_number, pk, NULL)) s_key_hex(s, "pk", pk, sizeof pk);
}
