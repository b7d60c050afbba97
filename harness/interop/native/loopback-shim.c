/*
 * loopback-shim.c — an LD_PRELOAD library that keeps a process (c-toxcore's cpeer) on loopback.
 *
 * Why: c-toxcore 0.2.18 cannot choose its bind address (it binds 0.0.0.0 / ::), and its LAN
 * discovery broadcasts. The project's network rule allows traffic on 127.0.0.0/8 and ::1 only
 * (see /work/briefs/common.md and docs docs/architecture.md §3).
 *
 * What it does:
 *   bind()     AF_INET to anything that is not 127.0.0.0/8 (INADDR_ANY above all) -> 127.0.0.1;
 *              AF_INET6 to anything that is not ::1 / ::ffff:127.x.x.x           -> ::1.
 *   sendto(), sendmsg(), sendmmsg(), connect()
 *              to an AF_INET/AF_INET6 destination outside 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104
 *              (broadcast and multicast included) -> not sent, counted, reported as success.
 *   logging    with TOXSTATE_SHIM_LOG=/path set, one line per UDP datagram sent, received or dropped
 *              (sendto, sendmsg, send, recvfrom, recvmsg, recv) is appended to that file with a
 *              single write(2) (O_APPEND), so two processes may share one file:
 *                <unix time µs> <pid> <send|recv|drop|rxdrop> <src ip:port> <dst ip:port> <length> <hex payload>
 *              The time is gettimeofday (CLOCK_REALTIME); a "send" is stamped just before the system call.
 *              IPv6 endpoints are written [addr]:port. For "send"/"drop", src is the socket's own
 *              address; for "recv"/"rxdrop", dst is.
 *   loss       with TOXSTATE_SHIM_DROP_RECV_PERMILLE=N (0..1000), that fraction of the UDP datagrams
 *              the kernel delivers to recvfrom/recvmsg/recv is discarded before the program sees
 *              them (the call then reads the next datagram, or fails with EAGAIN on an empty
 *              non-blocking socket); each one is logged as an "rxdrop" line and counted. The
 *              choice is a counter-based PRNG (splitmix64) seeded by TOXSTATE_SHIM_SEED (decimal)
 *              when given, else by time and pid. MSG_PEEK reads and non-UDP sockets are never
 *              dropped. Senders' "send" lines are unaffected, so a capture built from them still
 *              holds every datagram that was sent.
 *
 * c-toxcore 0.2.18 (toxcore/network.c) calls socket, bind, sendto, recvfrom, setsockopt, ioctl
 * (FIONREAD and, in LAN_discovery.c, SIOCGIFCONF) for UDP, and connect/send/recv/accept for TCP.
 * `nm -D libtoxcore.so.2` confirms: no sendmsg/recvmsg/sendmmsg, no fortified __recvfrom_chk.
 * The other wrappers exist as a safety net for anything else in the process.
 *
 * The shim exports `toxstate_loopback_shim_active` (an int, 1) and counter getters; cpeer refuses
 * to start when that symbol is absent, and reports the counters in its `info` event.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- exported markers and counters ---- */

__attribute__((visibility("default"))) int toxstate_loopback_shim_active = 1;

static atomic_ulong dropped_count;  /* non-loopback sends and connects swallowed */
static atomic_ulong rebound_count;  /* binds rewritten to loopback */
static atomic_ulong logged_count;   /* datagram lines written to the log */
static atomic_ulong rx_dropped_count; /* received datagrams discarded (TOXSTATE_SHIM_DROP_RECV_PERMILLE) */

__attribute__((visibility("default"))) unsigned long toxstate_shim_dropped(void) { return atomic_load(&dropped_count); }
__attribute__((visibility("default"))) unsigned long toxstate_shim_rebound(void) { return atomic_load(&rebound_count); }
__attribute__((visibility("default"))) unsigned long toxstate_shim_logged(void) { return atomic_load(&logged_count); }
__attribute__((visibility("default"))) unsigned long toxstate_shim_rx_dropped(void) { return atomic_load(&rx_dropped_count); }

/* ---- the real functions ---- */

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef int (*sendmmsg_fn)(int, struct mmsghdr *, unsigned int, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);

static bind_fn real_bind;
static connect_fn real_connect;
static sendto_fn real_sendto;
static sendmsg_fn real_sendmsg;
static send_fn real_send;
static recvfrom_fn real_recvfrom;
static recvmsg_fn real_recvmsg;
static recv_fn real_recv;

static int log_fd = -1;

/* ---- receive loss (TOXSTATE_SHIM_DROP_RECV_PERMILLE, TOXSTATE_SHIM_SEED) ---- */

static unsigned drop_recv_permille; /* 0 = off */
static uint64_t loss_seed;
static atomic_ulong loss_draws;     /* the PRNG's counter: draw n is splitmix64(seed + n * golden) */

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

static void loss_init(void) {
  const char *p = getenv("TOXSTATE_SHIM_DROP_RECV_PERMILLE");
  if (p == NULL || p[0] == '\0') return;
  char *end = NULL;
  unsigned long v = strtoul(p, &end, 10);
  if (end == p || *end != '\0' || v > 1000) {
    static const char msg[] = "loopback-shim: TOXSTATE_SHIM_DROP_RECV_PERMILLE must be 0..1000; loss off\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    return;
  }
  drop_recv_permille = (unsigned)v;
  const char *seed = getenv("TOXSTATE_SHIM_SEED");
  if (seed != NULL && seed[0] != '\0') {
    loss_seed = strtoull(seed, NULL, 10);
  } else {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    loss_seed = ((uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec) ^ ((uint64_t)getpid() << 40);
  }
}

static int is_udp(int fd);

/* Whether this received datagram is to be discarded (one PRNG draw per UDP datagram while loss is on). */
static int drop_this_recv(int fd, int flags) {
  if (drop_recv_permille == 0 || (flags & MSG_PEEK) != 0 || !is_udp(fd)) return 0;
  unsigned long n = atomic_fetch_add(&loss_draws, 1);
  uint64_t r = splitmix64(loss_seed + (uint64_t)n * 0x9E3779B97F4A7C15ULL);
  return (r % 1000) < drop_recv_permille;
}

static void *must_next(const char *name) {
  void *p = dlsym(RTLD_NEXT, name);
  if (p == NULL) {
    /* Without the real function we cannot do anything safely. */
    static const char msg[] = "loopback-shim: dlsym(RTLD_NEXT) failed\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    abort();
  }
  return p;
}

static void resolve(void) {
  /* Idempotent; racing threads store the same pointers. */
  if (real_recv != NULL) return;
  real_bind = (bind_fn)must_next("bind");
  real_connect = (connect_fn)must_next("connect");
  real_sendto = (sendto_fn)must_next("sendto");
  real_sendmsg = (sendmsg_fn)must_next("sendmsg");
  real_send = (send_fn)must_next("send");
  real_recvfrom = (recvfrom_fn)must_next("recvfrom");
  real_recvmsg = (recvmsg_fn)must_next("recvmsg");
  real_recv = (recv_fn)must_next("recv");
}

__attribute__((constructor)) static void shim_init(void) {
  resolve();
  const char *path = getenv("TOXSTATE_SHIM_LOG");
  if (path != NULL && path[0] != '\0') {
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  loss_init();
}

__attribute__((destructor)) static void shim_fini(void) {
  unsigned long d = atomic_load(&dropped_count);
  const char *verbose = getenv("TOXSTATE_SHIM_VERBOSE");
  if (d > 0 || (verbose != NULL && verbose[0] == '1')) {
    char line[160];
    int n = snprintf(line, sizeof line, "loopback-shim: pid %d dropped %lu non-loopback sends/connects, rebound %lu binds\n",
                     (int)getpid(), d, atomic_load(&rebound_count));
    if (n > 0) {
      ssize_t ignored = write(2, line, (size_t)n);
      (void)ignored;
    }
  }
  if (log_fd >= 0) close(log_fd);
}

/* ---- address classification ---- */

static int is_v4_loopback(const struct in_addr *a) { return (ntohl(a->s_addr) >> 24) == 127; }

static int is_v6_loopback(const struct in6_addr *a) {
  if (IN6_IS_ADDR_LOOPBACK(a)) return 1;
  if (IN6_IS_ADDR_V4MAPPED(a)) return a->s6_addr[12] == 127;
  return 0;
}

/* 1 when the destination is allowed (loopback), or not an IP address at all (AF_UNIX, AF_UNSPEC…). */
static int destination_allowed(const struct sockaddr *sa, socklen_t len) {
  if (sa == NULL) return 1;
  if (len < (socklen_t)sizeof(sa_family_t)) return 1;
  if (sa->sa_family == AF_INET) {
    if (len < (socklen_t)sizeof(struct sockaddr_in)) return 0;
    return is_v4_loopback(&((const struct sockaddr_in *)sa)->sin_addr);
  }
  if (sa->sa_family == AF_INET6) {
    if (len < (socklen_t)sizeof(struct sockaddr_in6)) return 0;
    return is_v6_loopback(&((const struct sockaddr_in6 *)sa)->sin6_addr);
  }
  return 1;
}

/* ---- logging ---- */

static int is_udp(int fd) {
  int type = 0;
  socklen_t l = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0) return 0;
  return type == SOCK_DGRAM;
}

static size_t fmt_addr(char *out, size_t cap, const struct sockaddr *sa, socklen_t len) {
  char ip[INET6_ADDRSTRLEN];
  if (sa != NULL && len >= (socklen_t)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
    if (inet_ntop(AF_INET, &s->sin_addr, ip, sizeof ip) == NULL) strcpy(ip, "?");
    int n = snprintf(out, cap, "%s:%u", ip, (unsigned)ntohs(s->sin_port));
    return n > 0 ? (size_t)n : 0;
  }
  if (sa != NULL && len >= (socklen_t)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    if (inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof ip) == NULL) strcpy(ip, "?");
    int n = snprintf(out, cap, "[%s]:%u", ip, (unsigned)ntohs(s->sin6_port));
    return n > 0 ? (size_t)n : 0;
  }
  int n = snprintf(out, cap, "-");
  return n > 0 ? (size_t)n : 0;
}

/* `data` is split over iov (one entry for the plain calls). `total` bytes are logged. */
static long long now_us(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000000LL + (long long)tv.tv_usec;
}

/* `at_us`: the line's time (Unix µs); 0 = now. Sends are stamped just before the system call, so a
 * datagram's "send" time never follows the receiver's "recv" time of it. */
static void log_datagram(const char *dir, int fd, const struct sockaddr *peer, socklen_t peer_len, const struct iovec *iov,
                         size_t iovcnt, size_t total, long long at_us) {
  if (log_fd < 0) return;
  if (!is_udp(fd)) return;

  struct sockaddr_storage self;
  socklen_t self_len = sizeof self;
  memset(&self, 0, sizeof self);
  if (getsockname(fd, (struct sockaddr *)&self, &self_len) != 0) self_len = 0;

  struct sockaddr_storage conn;
  if (peer == NULL) {
    socklen_t conn_len = sizeof conn;
    memset(&conn, 0, sizeof conn);
    if (getpeername(fd, (struct sockaddr *)&conn, &conn_len) == 0) {
      peer = (const struct sockaddr *)&conn;
      peer_len = conn_len;
    }
  }

  int receiving = strcmp(dir, "recv") == 0 || strcmp(dir, "rxdrop") == 0;
  const struct sockaddr *src = receiving ? peer : (const struct sockaddr *)&self;
  socklen_t src_len = receiving ? peer_len : self_len;
  const struct sockaddr *dst = receiving ? (const struct sockaddr *)&self : peer;
  socklen_t dst_len = receiving ? self_len : peer_len;

  size_t cap = 256 + total * 2;
  char *line = malloc(cap);
  if (line == NULL) return;

  int n = snprintf(line, cap, "%lld %d %s ", at_us != 0 ? at_us : now_us(), (int)getpid(), dir);
  size_t pos = n > 0 ? (size_t)n : 0;
  pos += fmt_addr(line + pos, cap - pos, src, src_len);
  line[pos++] = ' ';
  pos += fmt_addr(line + pos, cap - pos, dst, dst_len);
  n = snprintf(line + pos, cap - pos, " %zu ", total);
  pos += n > 0 ? (size_t)n : 0;

  static const char digits[] = "0123456789abcdef";
  size_t left = total;
  for (size_t i = 0; i < iovcnt && left > 0; i++) {
    const unsigned char *p = iov[i].iov_base;
    size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;
    for (size_t j = 0; j < take; j++) {
      line[pos++] = digits[p[j] >> 4];
      line[pos++] = digits[p[j] & 15];
    }
    left -= take;
  }
  line[pos++] = '\n';

  int saved_errno = errno;
  ssize_t w = write(log_fd, line, pos);
  (void)w;
  errno = saved_errno;
  free(line);
  atomic_fetch_add(&logged_count, 1);
}

static size_t iov_total(const struct iovec *iov, size_t iovcnt) {
  size_t t = 0;
  for (size_t i = 0; i < iovcnt; i++) t += iov[i].iov_len;
  return t;
}

/* ---- wrappers ---- */

__attribute__((visibility("default"))) int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  resolve();
  if (addr != NULL && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in a;
    memcpy(&a, addr, sizeof a);
    if (!is_v4_loopback(&a.sin_addr)) {
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      atomic_fetch_add(&rebound_count, 1);
    }
    return real_bind(fd, (const struct sockaddr *)&a, sizeof a);
  }
  if (addr != NULL && addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 a;
    memcpy(&a, addr, sizeof a);
    if (!is_v6_loopback(&a.sin6_addr)) {
      a.sin6_addr = in6addr_loopback;
      a.sin6_scope_id = 0;
      atomic_fetch_add(&rebound_count, 1);
    }
    return real_bind(fd, (const struct sockaddr *)&a, sizeof a);
  }
  return real_bind(fd, addr, len);
}

__attribute__((visibility("default"))) int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  resolve();
  if (!destination_allowed(addr, len)) {
    atomic_fetch_add(&dropped_count, 1);
    return 0; /* pretend success; nothing is connected, so a later send() fails locally */
  }
  return real_connect(fd, addr, len);
}

__attribute__((visibility("default"))) ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                                                      socklen_t len) {
  resolve();
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = n};
  if (!destination_allowed(addr, len)) {
    atomic_fetch_add(&dropped_count, 1);
    log_datagram("drop", fd, addr, len, &iov, 1, n, 0);
    return (ssize_t)n;
  }
  long long t_sent = log_fd >= 0 ? now_us() : 0;
  ssize_t r = real_sendto(fd, buf, n, flags, addr, len);
  if (r >= 0) {
    int saved = errno;
    log_datagram("send", fd, addr, addr != NULL ? len : 0, &iov, 1, (size_t)r, t_sent);
    errno = saved;
  }
  return r;
}

__attribute__((visibility("default"))) ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  resolve();
  if (msg != NULL && !destination_allowed((const struct sockaddr *)msg->msg_name, msg->msg_namelen)) {
    atomic_fetch_add(&dropped_count, 1);
    size_t total = iov_total(msg->msg_iov, msg->msg_iovlen);
    log_datagram("drop", fd, (const struct sockaddr *)msg->msg_name, msg->msg_namelen, msg->msg_iov, msg->msg_iovlen, total, 0);
    return (ssize_t)total;
  }
  long long t_sent = log_fd >= 0 ? now_us() : 0;
  ssize_t r = real_sendmsg(fd, msg, flags);
  if (r >= 0 && msg != NULL) {
    int saved = errno;
    log_datagram("send", fd, (const struct sockaddr *)msg->msg_name, msg->msg_name != NULL ? msg->msg_namelen : 0, msg->msg_iov,
                 msg->msg_iovlen, (size_t)r, t_sent);
    errno = saved;
  }
  return r;
}

__attribute__((visibility("default"))) int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
  /* One datagram at a time through the sendmsg wrapper, so every entry is checked. */
  unsigned int sent = 0;
  for (; sent < vlen; sent++) {
    ssize_t r = sendmsg(fd, &vec[sent].msg_hdr, flags);
    if (r < 0) return sent > 0 ? (int)sent : -1;
    vec[sent].msg_len = (unsigned int)r;
  }
  return (int)sent;
}

__attribute__((visibility("default"))) ssize_t send(int fd, const void *buf, size_t n, int flags) {
  resolve();
  long long t_sent = log_fd >= 0 ? now_us() : 0;
  ssize_t r = real_send(fd, buf, n, flags);
  if (r >= 0 && log_fd >= 0) {
    int saved = errno;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = (size_t)r};
    log_datagram("send", fd, NULL, 0, &iov, 1, (size_t)r, t_sent);
    errno = saved;
  }
  return r;
}

__attribute__((visibility("default"))) ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
                                                        socklen_t *len) {
  resolve();
  if (log_fd < 0 && drop_recv_permille == 0) return real_recvfrom(fd, buf, n, flags, addr, len);
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    memset(&from, 0, sizeof from);
    ssize_t r = real_recvfrom(fd, buf, n, flags, (struct sockaddr *)&from, &from_len);
    if (r < 0) return r;
    int saved = errno;
    /* With MSG_TRUNC, r may exceed n: log only what is in buf. */
    struct iovec iov = {.iov_base = buf, .iov_len = (size_t)r < n ? (size_t)r : n};
    if (drop_this_recv(fd, flags)) {
      atomic_fetch_add(&rx_dropped_count, 1);
      log_datagram("rxdrop", fd, (struct sockaddr *)&from, from_len, &iov, 1, iov.iov_len, 0);
      errno = saved;
      continue; /* the next datagram, or EAGAIN on an empty non-blocking socket */
    }
    if (addr != NULL && len != NULL) {
      memcpy(addr, &from, *len < from_len ? *len : from_len);
      *len = from_len;
    }
    if ((flags & MSG_PEEK) == 0) log_datagram("recv", fd, (struct sockaddr *)&from, from_len, &iov, 1, iov.iov_len, 0);
    errno = saved;
    return r;
  }
}

__attribute__((visibility("default"))) ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  resolve();
  socklen_t namelen = msg != NULL ? msg->msg_namelen : 0;
  size_t controllen = msg != NULL ? msg->msg_controllen : 0;
  for (;;) {
    if (msg != NULL) {
      msg->msg_namelen = namelen;
      msg->msg_controllen = controllen;
    }
    ssize_t r = real_recvmsg(fd, msg, flags);
    if (r < 0 || msg == NULL) return r;
    int saved = errno;
    size_t cap = iov_total(msg->msg_iov, msg->msg_iovlen);
    size_t got = (size_t)r < cap ? (size_t)r : cap;
    const struct sockaddr *from = (const struct sockaddr *)msg->msg_name;
    socklen_t from_len = msg->msg_name != NULL ? msg->msg_namelen : 0;
    if (drop_this_recv(fd, flags)) {
      atomic_fetch_add(&rx_dropped_count, 1);
      log_datagram("rxdrop", fd, from, from_len, msg->msg_iov, msg->msg_iovlen, got, 0);
      errno = saved;
      continue;
    }
    if ((flags & MSG_PEEK) == 0) log_datagram("recv", fd, from, from_len, msg->msg_iov, msg->msg_iovlen, got, 0);
    errno = saved;
    return r;
  }
}

__attribute__((visibility("default"))) ssize_t recv(int fd, void *buf, size_t n, int flags) {
  resolve();
  for (;;) {
    ssize_t r = real_recv(fd, buf, n, flags);
    if (r < 0 || (log_fd < 0 && drop_recv_permille == 0)) return r;
    int saved = errno;
    struct iovec iov = {.iov_base = buf, .iov_len = (size_t)r < n ? (size_t)r : n};
    if (drop_this_recv(fd, flags)) {
      atomic_fetch_add(&rx_dropped_count, 1);
      log_datagram("rxdrop", fd, NULL, 0, &iov, 1, iov.iov_len, 0);
      errno = saved;
      continue;
    }
    if ((flags & MSG_PEEK) == 0) log_datagram("recv", fd, NULL, 0, &iov, 1, iov.iov_len, 0);
    errno = saved;
    return r;
  }
}
