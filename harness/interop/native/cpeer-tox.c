/*
 * cpeer-tox.c — the reference peer's side of libtoxcore (see cpeer-main.c): the profile file,
 * the callbacks (each prints its event; --accept-all and --echo act here), and the identity and
 * friend list events.
 */
#include "cpeer.h"

/* ---------- profile ---------- */

uint8_t *read_file(const char *path, size_t *len) {
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

bool save_profile(const Tox *tox) {
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

void emit_friend_added(const Tox *tox, uint32_t friend_number, const char *via) {
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

void do_send(Tox *tox, uint32_t fn, Tox_Message_Type type, const uint8_t *text, size_t len) {
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

void on_log(Tox *tox, Tox_Log_Level level, const char *file, uint32_t line, const char *func, const char *message,
                   void *ud) {
  (void)tox;
  (void)ud;
  if (!opt_verbose) return;
  fprintf(stderr, "%lld [%d] %s:%" PRIu32 " %s: %s\n", now_ms(), (int)level, file, line, func, message);
}

/* Registers the callbacks above: every one prints its event. */
void register_callbacks(Tox *tox) {
  tox_callback_self_connection_status(tox, on_self_connection);
  tox_callback_friend_request(tox, on_friend_request);
  tox_callback_friend_connection_status(tox, on_friend_connection);
  tox_callback_friend_name(tox, on_friend_name);
  tox_callback_friend_status_message(tox, on_friend_status_message);
  tox_callback_friend_message(tox, on_friend_message);
  tox_callback_friend_read_receipt(tox, on_receipt);
}

/* ---------- info / friends ---------- */

void emit_identity(Tox *tox, const char *event) {
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
  /* TCP: whether UDP is on, the TCP relay port this peer serves (0: none) and, when it serves one,
   * the relay's key, which is the DHT key (Messenger.c new_messenger passes the DHT secret key). */
  Tox_Err_Get_Port terr;
  uint16_t tcp_port = tox_self_get_tcp_port(tox, &terr);
  if (terr != TOX_ERR_GET_PORT_OK) tcp_port = 0;
  s_fmt(&s, ",\"udp\":%s,\"tcp_port\":%u", opt_udp_off ? "false" : "true", (unsigned)tcp_port);
  if (tcp_port != 0) s_key_hex(&s, "tcp_pk", dht, sizeof dht);
  /* The library actually loaded (0.2.18 from Debian, or another version under a prefix). */
  s_fmt(&s, ",\"toxcore\":\"%u.%u.%u\"", (unsigned)tox_version_major(), (unsigned)tox_version_minor(), (unsigned)tox_version_patch());
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

void emit_friends(Tox *tox) {
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
