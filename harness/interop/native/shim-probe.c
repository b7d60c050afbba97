/*
 * shim-probe.c — a tiny program that exercises loopback-shim.so the way a test needs, and prints
 * one JSON object on stdout.
 *
 *   shim-probe [--netns] [--v6]
 *   shim-probe --loss N      (receive loss: see below)
 *
 * Steps, in order (each later step depends on the earlier ones succeeding):
 *   1. refuses to run unless the shim is loaded (symbol toxstate_loopback_shim_active);
 *   2. with --netns (the caller ran us under `unshare -rn`): brings `lo` up in the fresh namespace;
 *   3. bind: a UDP socket bound to 0.0.0.0:0 must end up on 127.0.0.1 (and with --v6 one bound to
 *      [::]:0 on ::1); if not, the probe stops before any non-loopback send;
 *   4. loop: sendto/recvfrom and sendmsg/recvmsg between two loopback sockets (payload checked);
 *   5. drop: sendto 192.0.2.1, 255.255.255.255 (SO_BROADCAST), 10.1.2.3 via sendmsg, connect to
 *      192.0.2.1 (with --v6 also [2001:db8::1] and [ff02::1]) — each must report success while
 *      the shim's dropped counter grows by one.
 *
 * With --loss N it only binds (step 3), sends N numbered datagrams from one loopback socket to
 * another and reads them back with non-blocking recvfrom until EAGAIN, printing
 * {"ok":true,"loss":{"sent":N,"received":K,"rx_dropped":D,"first":[...]}} (first = the first 32
 * sequence numbers received): with TOXSTATE_SHIM_DROP_RECV_PERMILLE set the shim discards some.
 *
 * Three layers keep step 5 from leaking: the shim itself; the sending socket is bound to
 * 127.0.0.1, and Linux refuses to route a 127/8 source out of a non-loopback device (EINVAL);
 * and with --netns there is no interface but lo. IPv6 destinations are only tried with --v6,
 * which the harness passes only together with --netns (a ::1 source is not refused by Linux).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

typedef unsigned long (*counter_fn)(void);
static counter_fn dropped;

static void fail(const char *step, const char *what) {
  printf("{\"ok\":false,\"step\":\"%s\",\"error\":\"%s\",\"errno\":%d}\n", step, what, errno);
  exit(1);
}

static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) fail("netns", "socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) fail("netns", "SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) fail("netns", "SIOCSIFFLAGS");
  close(s);
}

static int udp4_wildcard(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) fail("bind", "socket4");
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) fail("bind", "bind4");
  return s;
}

static struct sockaddr_in name4(int s) {
  struct sockaddr_in a;
  socklen_t l = sizeof a;
  memset(&a, 0, sizeof a);
  if (getsockname(s, (struct sockaddr *)&a, &l) != 0) fail("bind", "getsockname4");
  return a;
}

static struct sockaddr_in v4(const char *ip, unsigned port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static struct sockaddr_in6 v6(const char *ip, unsigned port) {
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_port = htons((unsigned short)port);
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

/* Prints one drop result as a JSON object member of the "drop" array. */
static void drop_result(int *first, const char *call, const char *dest, long rc, unsigned long before, unsigned long after) {
  printf("%s{\"call\":\"%s\",\"dest\":\"%s\",\"rc\":%ld,\"errno\":%d,\"counted\":%lu}", *first ? "" : ",", call, dest, rc,
         rc < 0 ? errno : 0, after - before);
  *first = 0;
}

/* --loss N: N datagrams a -> b on loopback, read back without blocking; the shim may discard some. */
static int loss_probe(long count) {
  counter_fn rx_dropped = (counter_fn)dlsym(RTLD_DEFAULT, "toxstate_shim_rx_dropped");
  if (rx_dropped == NULL) fail("loss", "no toxstate_shim_rx_dropped");
  int a = udp4_wildcard();
  int b = udp4_wildcard();
  int big = 4 * 1024 * 1024;
  setsockopt(b, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  struct sockaddr_in nb = name4(b);
  for (long i = 0; i < count; i++) {
    char msg[32];
    int len = snprintf(msg, sizeof msg, "loss-probe %ld", i);
    if (sendto(a, msg, (size_t)len, 0, (struct sockaddr *)&nb, sizeof nb) != len) fail("loss", "sendto");
  }
  long received = 0;
  printf("{\"ok\":true,\"loss\":{\"sent\":%ld,\"first\":[", count);
  for (;;) {
    char buf[64];
    ssize_t r = recvfrom(b, buf, sizeof buf - 1, MSG_DONTWAIT, NULL, NULL);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail("loss", "recvfrom");
    }
    buf[r] = '\0';
    if (received < 32) printf("%s%s", received > 0 ? "," : "", buf + strlen("loss-probe "));
    received++;
  }
  printf("],\"received\":%ld,\"rx_dropped\":%lu}}\n", received, rx_dropped());
  return 0;
}

int main(int argc, char **argv) {
  int netns = 0, with_v6 = 0;
  long loss = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--netns") == 0) netns = 1;
    else if (strcmp(argv[i], "--v6") == 0) with_v6 = 1;
    else if (strcmp(argv[i], "--loss") == 0 && i + 1 < argc) loss = strtol(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: shim-probe [--netns] [--v6] | --loss N\n");
      return 2;
    }
  }
  if (with_v6 && !netns) {
    fprintf(stderr, "shim-probe: --v6 only together with --netns (a ::1 source can be routed off-host)\n");
    return 2;
  }
  if (dlsym(RTLD_DEFAULT, "toxstate_loopback_shim_active") == NULL) {
    fprintf(stderr, "shim-probe: loopback shim not loaded (LD_PRELOAD); refusing to run\n");
    return 3;
  }
  dropped = (counter_fn)dlsym(RTLD_DEFAULT, "toxstate_shim_dropped");
  if (dropped == NULL) fail("init", "no toxstate_shim_dropped");
  if (netns) lo_up();
  if (loss >= 0) return loss_probe(loss > 100000 ? 100000 : loss);

  /* 3. bind */
  int a = udp4_wildcard();
  int b = udp4_wildcard();
  struct sockaddr_in na = name4(a), nb = name4(b);
  char ipa[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &na.sin_addr, ipa, sizeof ipa);
  if (ntohl(na.sin_addr.s_addr) != INADDR_LOOPBACK || ntohl(nb.sin_addr.s_addr) != INADDR_LOOPBACK) {
    printf("{\"ok\":false,\"step\":\"bind\",\"error\":\"wildcard bind not rewritten\",\"bound\":\"%s\"}\n", ipa);
    return 1;
  }
  printf("{\"ok\":true,\"bind4\":\"%s:%u\"", ipa, (unsigned)ntohs(na.sin_port));

  int a6 = -1;
  if (with_v6) {
    a6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (a6 < 0) fail("bind", "socket6");
    int only = 1;
    setsockopt(a6, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    struct sockaddr_in6 any = v6("::", 0);
    if (bind(a6, (struct sockaddr *)&any, sizeof any) != 0) fail("bind", "bind6");
    struct sockaddr_in6 n6;
    socklen_t l6 = sizeof n6;
    getsockname(a6, (struct sockaddr *)&n6, &l6);
    char ip6[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &n6.sin6_addr, ip6, sizeof ip6);
    if (!IN6_IS_ADDR_LOOPBACK(&n6.sin6_addr)) {
      printf(",\"ok6\":false,\"bind6\":\"%s\"}\n", ip6);
      return 1;
    }
    printf(",\"bind6\":\"[%s]:%u\"", ip6, (unsigned)ntohs(n6.sin6_port));
  }

  /* 4. loop: a -> b with sendto/recvfrom, b -> a with sendmsg/recvmsg */
  const char ping[] = "toxstate-shim-probe \"ping\"";
  if (sendto(a, ping, sizeof ping - 1, 0, (struct sockaddr *)&nb, sizeof nb) != (ssize_t)(sizeof ping - 1)) fail("loop", "sendto");
  char buf[256];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  ssize_t r = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  if (r != (ssize_t)(sizeof ping - 1) || memcmp(buf, ping, (size_t)r) != 0 || from.sin_port != na.sin_port) fail("loop", "recvfrom");

  const char pong[] = "pong";
  struct iovec iov = {.iov_base = (void *)pong, .iov_len = 4};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &na;
  m.msg_namelen = sizeof na;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (sendmsg(b, &m, 0) != 4) fail("loop", "sendmsg");
  struct iovec riov = {.iov_base = buf, .iov_len = sizeof buf};
  struct sockaddr_in from2;
  struct msghdr rm;
  memset(&rm, 0, sizeof rm);
  rm.msg_name = &from2;
  rm.msg_namelen = sizeof from2;
  rm.msg_iov = &riov;
  rm.msg_iovlen = 1;
  r = recvmsg(a, &rm, 0);
  if (r != 4 || memcmp(buf, pong, 4) != 0 || from2.sin_port != nb.sin_port) fail("loop", "recvmsg");
  printf(",\"loop\":true,\"loop_ports\":[%u,%u]", (unsigned)ntohs(na.sin_port), (unsigned)ntohs(nb.sin_port));

  /* 5. drop: every non-loopback destination must be swallowed and counted */
  printf(",\"drop\":[");
  int first = 1;
  const char payload[] = "must-not-leave";
  unsigned long before;
  long rc;

  struct sockaddr_in d1 = v4("192.0.2.1", 33445);
  before = dropped();
  rc = (long)sendto(a, payload, sizeof payload - 1, 0, (struct sockaddr *)&d1, sizeof d1);
  drop_result(&first, "sendto", "192.0.2.1:33445", rc, before, dropped());

  int yes = 1;
  setsockopt(a, SOL_SOCKET, SO_BROADCAST, &yes, sizeof yes);
  struct sockaddr_in d2 = v4("255.255.255.255", 33445);
  before = dropped();
  rc = (long)sendto(a, payload, sizeof payload - 1, 0, (struct sockaddr *)&d2, sizeof d2);
  drop_result(&first, "sendto", "255.255.255.255:33445", rc, before, dropped());

  struct sockaddr_in d3 = v4("10.1.2.3", 33445);
  struct iovec div = {.iov_base = (void *)payload, .iov_len = sizeof payload - 1};
  struct msghdr dm;
  memset(&dm, 0, sizeof dm);
  dm.msg_name = &d3;
  dm.msg_namelen = sizeof d3;
  dm.msg_iov = &div;
  dm.msg_iovlen = 1;
  before = dropped();
  rc = (long)sendmsg(a, &dm, 0);
  drop_result(&first, "sendmsg", "10.1.2.3:33445", rc, before, dropped());

  int c = udp4_wildcard();
  struct sockaddr_in d4 = v4("192.0.2.1", 33446);
  before = dropped();
  rc = (long)connect(c, (struct sockaddr *)&d4, sizeof d4);
  drop_result(&first, "connect", "192.0.2.1:33446", rc, before, dropped());
  /* The connect was swallowed, so this send has no destination and must fail locally. */
  errno = 0;
  rc = (long)send(c, payload, sizeof payload - 1, 0);
  printf(",{\"call\":\"send-after-dropped-connect\",\"rc\":%ld,\"errno\":%d,\"counted\":0}", rc, rc < 0 ? errno : 0);

  if (with_v6) {
    struct sockaddr_in6 d5 = v6("2001:db8::1", 33445);
    before = dropped();
    rc = (long)sendto(a6, payload, sizeof payload - 1, 0, (struct sockaddr *)&d5, sizeof d5);
    drop_result(&first, "sendto", "[2001:db8::1]:33445", rc, before, dropped());
    struct sockaddr_in6 d6 = v6("ff02::1", 33445);
    before = dropped();
    rc = (long)sendto(a6, payload, sizeof payload - 1, 0, (struct sockaddr *)&d6, sizeof d6);
    drop_result(&first, "sendto", "[ff02::1]:33445", rc, before, dropped());
  }
  printf("],\"dropped_total\":%lu}\n", dropped());
  return 0;
}
