/*
 * cpeer-commands.c — the reference peer's line commands on stdin (listed in cpeer-main.c), read
 * without blocking the tox loop, and the flood in progress.
 */
#include "cpeer.h"

/* ---------- commands ---------- */

/* The network rule: bootstrap only to loopback, spelled exactly 127.0.0.1 or ::1 (no names). */
bool bootstrap_address_allowed(const char *ip) { return strcmp(ip, "127.0.0.1") == 0 || strcmp(ip, "::1") == 0; }

typedef bool (*node_fn)(Tox *, const char *, uint16_t, const uint8_t *, Tox_Err_Bootstrap *);

/* tox_bootstrap or tox_add_tcp_relay (same signature and error codes in tox.h), after the checks of
 * the network rule; errors are reported as `what`. */
static bool add_node(Tox *tox, node_fn fn, const char *what, const char *ip, long port, const char *pkhex) {
  uint8_t pk[TOX_PUBLIC_KEY_SIZE];
  if (!bootstrap_address_allowed(ip)) {
    ev_error(what, "only 127.0.0.1 and ::1 are allowed (network rule)", -1);
    return false;
  }
  if (port < 1 || port > 65535) {
    ev_error(what, "bad port", -1);
    return false;
  }
  if (!hex_decode(pk, sizeof pk, pkhex)) {
    ev_error(what, "public key must be 64 hex digits", -1);
    return false;
  }
  Tox_Err_Bootstrap err;
  if (!fn(tox, ip, (uint16_t)port, pk, &err)) {
    ev_error(what, NAME_OF(err_bootstrap_names, err), (int)err);
    return false;
  }
  return true;
}

bool do_bootstrap(Tox *tox, const char *ip, long port, const char *pkhex) {
  return add_node(tox, tox_bootstrap, "bootstrap", ip, port, pkhex);
}

bool do_add_tcp_relay(Tox *tox, const char *ip, long port, const char *pkhex) {
  return add_node(tox, tox_add_tcp_relay, "tcprelay", ip, port, pkhex);
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
  } else if (strcmp(cmd, "bootstrap") == 0 || strcmp(cmd, "tcprelay") == 0) {
    bool relay = strcmp(cmd, "tcprelay") == 0;
    char *ip = next_word(&rest), *port = next_word(&rest), *pk = next_word(&rest);
    if (ip == NULL || port == NULL || pk == NULL) {
      ev_error(cmd, relay ? "usage: tcprelay IP PORT PK" : "usage: bootstrap IP PORT DHTPK", -1);
      return;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*end != '\0') p = -1;
    if (relay ? do_add_tcp_relay(tox, ip, p, pk) : do_bootstrap(tox, ip, p, pk)) {
      Str s = ev_begin(relay ? "tcp_relay_added" : "bootstrapped");
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
void flood_step(Tox *tox) {
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
bool pump_stdin(Tox *tox) {
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
