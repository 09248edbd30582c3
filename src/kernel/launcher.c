/*
 * The noiselab kernel's launcher (kernelspec argv: launcher <fallback main.js> <node> <node's args> <connection
 * file>; setup copies it into the kernelspec's folder, so that it outlives the checkout that built it).
 *
 * Node takes 50-100 ms to start here before a line of the kernel runs, so a kernel started by Node alone
 * cannot answer kernel_info within 100 ms. This launcher binds the kernel's sockets within a millisecond,
 * then becomes Node (exec: the kernel keeps the process id Jupyter started, its signals and its exit
 * status), while a forked copy of it answers kernel_info meanwhile. The kernel's front (./front.cts), once
 * loaded, takes the sockets over through Node's IPC channel (NODE_CHANNEL_FD: SCM_RIGHTS, one handle per
 * message, each acknowledged) with each connection's state: its handshake, routing id, subscriptions and the
 * bytes read but not handled. The copy handles nothing but kernel_info_request: the first other message on
 * shell or control stops that channel, and everything from it on is the kernel's, in order.
 *
 * Everything here is a shortcut: when anything is not as expected (a connection file it cannot read, ipc
 * transport, a port in use, a kernel without kernel-info.v1.json), it just becomes Node,
 * which binds the sockets itself and reports what is wrong. It serves the kernel its script will find (from the
 * notebook's folder up, as the script looks) only where that kernel has kernel-info.v1.json: written by a kernel
 * that takes the sockets over as this launcher passes them on.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SHELL, CONTROL, STDIN, IOPUB, CHANNELS };
static const char *CHANNEL_NAMES[CHANNELS] = {"shell", "control", "stdin", "iopub"};
static const char *SOCKET_TYPES[CHANNELS] = {"ROUTER", "ROUTER", "ROUTER", "PUB"};
#define MAX_PEERS 64
#define MAX_FRAME (64 * 1024) /* a kernel_info_request is ~300 bytes: a larger frame is the kernel's */
#define DELIMITER "<IDS|MSG>"

static double started_ms;
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* ---------- bytes ---------- */

typedef struct { unsigned char *p; size_t len, cap; } buf_t;

static void put(buf_t *b, const void *data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}
static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }
static void putf(buf_t *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static void consume(buf_t *b, size_t n) {
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
}

/* ---------- SHA-256 and HMAC (Jupyter's message signatures) ---------- */

typedef struct { uint32_t h[8]; unsigned char block[64]; size_t fill; uint64_t total; } sha256_t;
static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_t *s, const unsigned char *p) {
  uint32_t w[64], a, b, c, d, e, f, g, h;
  for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}
static void sha256_init(sha256_t *s) {
  static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, H0, sizeof H0);
  s->fill = 0;
  s->total = 0;
}
static void sha256_update(sha256_t *s, const void *data, size_t n) {
  const unsigned char *p = data;
  s->total += n;
  while (n > 0) {
    size_t take = 64 - s->fill < n ? 64 - s->fill : n;
    memcpy(s->block + s->fill, p, take);
    s->fill += take, p += take, n -= take;
    if (s->fill == 64) sha256_block(s, s->block), s->fill = 0;
  }
}
static void sha256_final(sha256_t *s, unsigned char out[32]) {
  uint64_t bits = s->total * 8;
  unsigned char pad = 0x80, zero = 0, len[8];
  sha256_update(s, &pad, 1);
  while (s->fill != 56) sha256_update(s, &zero, 1);
  for (int i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(s, len, 8);
  for (int i = 0; i < 8; i++) out[4 * i] = s->h[i] >> 24, out[4 * i + 1] = s->h[i] >> 16, out[4 * i + 2] = s->h[i] >> 8, out[4 * i + 3] = s->h[i];
}

static unsigned char hmac_ipad[64], hmac_opad[64];
static void hmac_key(const char *key) {
  unsigned char k[64] = {0};
  size_t n = strlen(key);
  if (n > 64) {
    sha256_t s;
    sha256_init(&s), sha256_update(&s, key, n), sha256_final(&s, k);
  } else memcpy(k, key, n);
  for (int i = 0; i < 64; i++) hmac_ipad[i] = k[i] ^ 0x36, hmac_opad[i] = k[i] ^ 0x5c;
}
/* the hex HMAC-SHA256 of the parts, in order (Jupyter signs header, parent, metadata and content) */
static void hmac_hex(const buf_t *parts, int n, char out[65]) {
  sha256_t s;
  unsigned char inner[32], mac[32];
  sha256_init(&s);
  sha256_update(&s, hmac_ipad, 64);
  for (int i = 0; i < n; i++) sha256_update(&s, parts[i].p, parts[i].len);
  sha256_final(&s, inner);
  sha256_init(&s);
  sha256_update(&s, hmac_opad, 64);
  sha256_update(&s, inner, 32);
  sha256_final(&s, mac);
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", mac[i]);
}

/* ---------- just enough JSON: a flat object's string and integer members ---------- */

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}
/* a JSON string at p (after its quote) into out (ASCII escapes only); the position after it, or NULL */
static const char *json_string(const char *p, char *out, size_t cap) {
  size_t n = 0;
  for (; *p && *p != '"'; p++) {
    char c = *p;
    if (c == '\\') {
      p++;
      switch (*p) {
        case '"': case '\\': case '/': c = *p; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        default: return NULL; /* \u and the rest: not in the members read here */
      }
    }
    if (n + 1 >= cap) return NULL;
    if (out) out[n] = c;
    n++;
  }
  if (*p != '"') return NULL;
  if (out) out[n] = 0;
  return p + 1;
}
/* skips any JSON value at p; the position after it, or NULL */
static const char *json_skip(const char *p) {
  p = skip_ws(p);
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++) if (*p == '\\' && p[1]) p++;
    return *p ? p + 1 : NULL;
  }
  if (*p == '{' || *p == '[') {
    int depth = 0;
    for (; *p; p++) {
      if (*p == '"') { for (p++; *p && *p != '"'; p++) if (*p == '\\' && p[1]) p++; if (!*p) return NULL; }
      else if (*p == '{' || *p == '[') depth++;
      else if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
    }
    return NULL;
  }
  while (*p && *p != ',' && *p != '}' && *p != ']') p++;
  return p;
}
/* finds the top-level member `name` of the object `json`: its value's start, or NULL */
static const char *json_member(const char *json, const char *name) {
  const char *p = skip_ws(json);
  if (*p++ != '{') return NULL;
  for (;;) {
    char key[64];
    p = skip_ws(p);
    if (*p != '"' || !(p = json_string(p + 1, key, sizeof key))) return NULL;
    p = skip_ws(p);
    if (*p++ != ':') return NULL;
    p = skip_ws(p);
    if (!strcmp(key, name)) return p;
    if (!(p = json_skip(p))) return NULL;
    p = skip_ws(p);
    if (*p++ != ',') return NULL;
  }
}
static int json_get_string(const char *json, const char *name, char *out, size_t cap) {
  const char *v = json_member(json, name);
  return v && *v == '"' && json_string(v + 1, out, cap) != NULL;
}
static int json_get_int(const char *json, const char *name, long *out) {
  const char *v = json_member(json, name);
  char *end;
  if (!v) return 0;
  *out = strtol(v, &end, 10);
  return end != v;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  buf_t b = {0};
  char chunk[4096];
  size_t n;
  if (!f) return NULL;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) put(&b, chunk, n);
  fclose(f);
  put(&b, "", 1);
  return (char *)b.p;
}

/* ---------- the kernel's identity in its messages ---------- */

static char session_id[37], username[128];
static void uuid4(char out[37]) {
  unsigned char r[16];
  if (getrandom(r, 16, 0) != 16) for (int i = 0; i < 16; i++) r[i] = (unsigned char)(rand() ^ (int)now_ms());
  r[6] = (r[6] & 0x0f) | 0x40, r[8] = (r[8] & 0x3f) | 0x80;
  sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
          r[10], r[11], r[12], r[13], r[14], r[15]);
}
static void json_escaped(buf_t *b, const char *s) {
  put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') putf(b, "\\%c", c);
    else if (c < 0x20) putf(b, "\\u%04x", c);
    else put(b, &c, 1);
  }
  put(b, "\"", 1);
}
/* a header as the kernel's Session writes one (./protocol.cts) */
static void header(buf_t *b, const char *type) {
  char id[37], date[96];
  struct timespec t;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &t);
  gmtime_r(&t.tv_sec, &tm);
  snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           t.tv_nsec / 1000000);
  uuid4(id);
  putf(b, "{\"msg_id\":\"%s\",\"msg_type\":\"%s\",\"session\":\"%s\",\"username\":", id, type, session_id);
  json_escaped(b, username);
  putf(b, ",\"date\":\"%s\",\"version\":\"5.3\"}", date);
}

/* ---------- ZMTP 3.0 (as ./zmtp.cts speaks it) ---------- */

typedef struct {
  int fd, channel;
  buf_t in;          /* bytes read and not yet handled */
  int greeted, ready, stopped;
  unsigned char id[256];
  size_t id_len;
  buf_t *subs;       /* a PUB peer's subscriptions (prefixes) */
  int nsubs;
} peer_t;

static int listeners[CHANNELS];
static peer_t peers[MAX_PEERS];
static int npeers;
static int blocked[CHANNELS]; /* shell or control: a request the kernel must answer came first */
static int answered;
static uint32_t next_id;
static const char *info_json;

static void frame(buf_t *b, const void *body, size_t n, int more, int command) {
  unsigned char head[9];
  int flags = (more ? 1 : 0) | (command ? 4 : 0);
  if (n > 255) {
    head[0] = (unsigned char)(flags | 2);
    for (int i = 0; i < 8; i++) head[1 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    put(b, head, 9);
  } else {
    head[0] = (unsigned char)flags, head[1] = (unsigned char)n;
    put(b, head, 2);
  }
  put(b, body, n);
}

/* writes all of it (a kernel_info reply is ~1 KB: it does not wait on a client that reads) */
static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) { p += w, n -= (size_t)w; continue; }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd q = {fd, POLLOUT, 0};
      if (poll(&q, 1, 1000) > 0) continue;
    }
    return -1;
  }
  return 0;
}

static void drop(peer_t *peer) {
  close(peer->fd);
  free(peer->in.p);
  for (int i = 0; i < peer->nsubs; i++) free(peer->subs[i].p);
  free(peer->subs);
  *peer = peers[--npeers];
}

static void accept_peer(int channel) {
  int fd = accept4(listeners[channel], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (npeers == MAX_PEERS) { close(fd); return; }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* the greeting (signature, version 3.0, NULL, not as-server), then READY with the socket's type */
  unsigned char g[64] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0, 'N', 'U', 'L', 'L'};
  buf_t out = {0}, ready = {0};
  put(&out, g, 64);
  const char *type = SOCKET_TYPES[channel];
  unsigned char len4[4] = {0, 0, 0, (unsigned char)strlen(type)};
  put(&ready, "\x05READY\x0bSocket-Type", 1 + 5 + 1 + 11);
  put(&ready, len4, 4);
  puts_(&ready, type);
  frame(&out, ready.p, ready.len, 0, 1);
  int ok = write_all(fd, out.p, out.len) == 0;
  free(out.p), free(ready.p);
  if (!ok) { close(fd); return; }
  peer_t *peer = &peers[npeers++];
  memset(peer, 0, sizeof *peer);
  peer->fd = fd, peer->channel = channel;
}

/* sends one message (frames) to a peer; a peer that cannot take it is dropped */
static void send_frames(peer_t *peer, buf_t *frames, int n) {
  buf_t out = {0};
  for (int i = 0; i < n; i++) frame(&out, frames[i].p, frames[i].len, i < n - 1, 0);
  if (write_all(peer->fd, out.p, out.len) < 0) peer->stopped = 2;
  free(out.p);
}

/* a message from the kernel: [prefix..., <IDS|MSG>, signature, header, parent, metadata, content]; to
 * iopub (to = NULL) with no prefix: its topic is the delimiter, as the kernel's Session publishes */
static void message(peer_t *to, buf_t *prefix, int nprefix, const char *type, const buf_t *parent, const char *content) {
  buf_t f[24] = {{0}};
  int n = 0;
  for (int i = 0; i < nprefix; i++) put(&f[n++], prefix[i].p, prefix[i].len);
  puts_(&f[n++], DELIMITER);
  char sig[65] = "";
  buf_t *body = &f[n + 1];
  header(&body[0], type);
  put(&body[1], parent->p, parent->len);
  puts_(&body[2], "{}");
  puts_(&body[3], content);
  if (hmac_ipad[0] || hmac_opad[0]) hmac_hex(body, 4, sig);
  puts_(&f[n], sig);
  n += 5;
  if (to) send_frames(to, f, n);
  else
    for (int i = 0; i < npeers; i++) {
      peer_t *p = &peers[i];
      /* a subscriber stopped (at a command the kernel handles) still gets them: it filters what it receives itself */
      if (p->channel != IOPUB || !p->ready || p->stopped == 2) continue;
      for (int s = 0; s < p->nsubs; s++)
        if (p->subs[s].len <= f[0].len && !memcmp(p->subs[s].p, f[0].p, p->subs[s].len)) { send_frames(p, f, n); break; }
    }
  for (int i = 0; i < n; i++) free(f[i].p);
}

/* a complete message on shell or control: kernel_info_request is answered, anything else stops the channel */
static int handle_request(peer_t *peer, buf_t *frames, int n) {
  int at = -1;
  for (int i = 0; i < n; i++)
    if (frames[i].len == strlen(DELIMITER) && !memcmp(frames[i].p, DELIMITER, frames[i].len)) { at = i; break; }
  if (at < 0 || at > 16 || n < at + 6) return 0;
  buf_t *body = &frames[at + 2];
  if (hmac_ipad[0] || hmac_opad[0]) {
    char sig[65];
    hmac_hex(body, 4, sig);
    unsigned char diff = frames[at + 1].len != 64;
    for (int i = 0; !diff && i < 64; i++) diff |= frames[at + 1].p[i] ^ (unsigned char)sig[i]; /* in constant time */
    if (diff) return 0; /* the kernel reports it */
  }
  char *head = strndup((const char *)body[0].p, body[0].len), type[64];
  int info = head && json_get_string(head, "msg_type", type, sizeof type) && !strcmp(type, "kernel_info_request");
  free(head);
  if (!info) return 0;
  message(NULL, NULL, 0, "status", &body[0], "{\"execution_state\":\"busy\"}");
  message(peer, frames, at, "kernel_info_reply", &body[0], info_json);
  message(NULL, NULL, 0, "status", &body[0], "{\"execution_state\":\"idle\"}");
  answered = 1;
  if (getenv("NOISELAB_KERNEL_TIMING") && !strcmp(getenv("NOISELAB_KERNEL_TIMING"), "1"))
    fprintf(stderr, "noiselab kernel: kernel_info answered %.1f ms after the process started (by its launcher)\n", now_ms() - started_ms);
  return 1;
}

/* a READY command's properties: Socket-Type must suit the channel; a ROUTER peer's Identity routes to it */
static int ready(peer_t *peer, const unsigned char *data, size_t n) {
  int typed = 0;
  for (size_t at = 0; at < n;) {
    size_t nl = data[at];
    if (at + 1 + nl + 4 > n) return 0;
    const unsigned char *name = data + at + 1, *l = name + nl;
    size_t vl = (size_t)l[0] << 24 | (size_t)l[1] << 16 | (size_t)l[2] << 8 | l[3];
    const unsigned char *value = l + 4;
    if (vl > n - (size_t)(value - data)) return 0;
    if (nl == 11 && !strncasecmp((const char *)name, "socket-type", 11)) {
      static const char *ALLOWED[2][3] = {{"DEALER", "REQ", "ROUTER"}, {"SUB", "XSUB", ""}};
      for (int i = 0; i < 3; i++) {
        const char *t = ALLOWED[peer->channel == IOPUB][i];
        if (*t && vl == strlen(t) && !memcmp(value, t, vl)) typed = 1;
      }
    } else if (nl == 8 && !strncasecmp((const char *)name, "identity", 8) && vl > 0 && vl <= sizeof peer->id) {
      memcpy(peer->id, value, vl), peer->id_len = vl;
    }
    at = (size_t)(value + vl - data);
  }
  if (!typed) return 0;
  if (peer->channel != IOPUB && !peer->id_len) {
    uint32_t id = next_id++;
    peer->id[0] = 0, peer->id[1] = id >> 24, peer->id[2] = id >> 16, peer->id[3] = id >> 8, peer->id[4] = id, peer->id_len = 5;
  }
  return 1;
}

/* Handles each complete unit (greeting, command, message) in what the peer sent; stops at the first it leaves to the kernel. */
static void handle(peer_t *peer) {
  while (!peer->stopped && !blocked[peer->channel]) {
    buf_t *in = &peer->in;
    if (!peer->greeted) {
      if (in->len < 64) return;
      const unsigned char *g = in->p;
      if (g[0] != 0xff || !(g[9] & 1) || g[10] < 3 || memcmp(g + 12, "NULL\0", 5)) { peer->stopped = 1; return; }
      consume(in, 64);
      peer->greeted = 1;
      continue;
    }
    /* the frames of one unit: a command, or a message's frames up to one without MORE */
    buf_t frames[24];
    int n = 0, command = 0, complete = 0;
    size_t at = 0;
    while (at + 2 <= in->len) {
      int flags = in->p[at], is_long = flags & 2;
      size_t head = is_long ? 9 : 2, size = 0;
      if (at + head > in->len) break;
      if (is_long) for (int i = 0; i < 8; i++) size = size << 8 | in->p[at + 1 + i];
      else size = in->p[at + 1];
      if (size > MAX_FRAME || n == 24) { peer->stopped = 1; return; }
      if (at + head + size > in->len) break;
      frames[n].p = in->p + at + head, frames[n].len = size, frames[n].cap = 0, n++;
      at += head + size;
      if (flags & 4) { command = 1, complete = 1; break; }
      if (!(flags & 1)) { complete = 1; break; }
    }
    if (!complete) return;
    int done = 0;
    if (command) {
      const unsigned char *b = frames[0].p;
      size_t nl = frames[0].len ? b[0] : 0;
      if (frames[0].len < 1 + nl) done = 0;
      else if (nl == 5 && !memcmp(b + 1, "READY", 5)) done = !peer->ready && ready(peer, b + 6, frames[0].len - 6) && (peer->ready = 1);
      /* PING, SUBSCRIBE (3.1), ERROR, ...: the kernel's */
    } else if (!peer->ready) {
      done = 0;
    } else if (peer->channel == IOPUB) {
      /* ZMTP 3.0's subscription: one frame, 1 (subscribe) or 0 (cancel) and the topic */
      if (n == 1 && frames[0].len > 0 && frames[0].p[0] <= 1) {
        const unsigned char *topic = frames[0].p + 1;
        size_t tl = frames[0].len - 1;
        if (frames[0].p[0] == 1) {
          buf_t *more = realloc(peer->subs, (size_t)(peer->nsubs + 1) * sizeof *more);
          if (!more) abort();
          peer->subs = more;
          memset(&more[peer->nsubs], 0, sizeof *more);
          put(&more[peer->nsubs++], topic, tl);
        } else
          for (int s = 0; s < peer->nsubs; s++)
            if (peer->subs[s].len == tl && !memcmp(peer->subs[s].p, topic, tl)) {
              free(peer->subs[s].p);
              peer->subs[s] = peer->subs[--peer->nsubs];
              break;
            }
        done = 1;
      }
    } else if (peer->channel == SHELL || peer->channel == CONTROL) {
      done = handle_request(peer, frames, n);
      if (!done) blocked[peer->channel] = 1;
    }
    if (!done) { peer->stopped = peer->stopped ? peer->stopped : 1; return; }
    consume(in, at);
  }
}

/* ---------- the hand-over to the kernel ---------- */

static int send_with_fd(int ipc, const char *line, int fd) {
  struct iovec iov = {(void *)line, strlen(line)};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t w;
  do w = sendmsg(ipc, &m, MSG_NOSIGNAL); while (w < 0 && errno == EINTR);
  if (w < 0) return -1;
  return write_all(ipc, (const unsigned char *)line + w, strlen(line) - (size_t)w);
}

static buf_t from_kernel; /* lines from Node's side of the channel */
/* waits for a line from the kernel containing one of `what` (NULL-ended); its index, or -1 on EOF or timeout */
static int await_line(int ipc, const char **what, int timeout_ms) {
  double until = now_ms() + timeout_ms;
  for (;;) {
    unsigned char *nl;
    while ((nl = memchr(from_kernel.p, '\n', from_kernel.len))) {
      size_t n = (size_t)(nl - from_kernel.p) + 1;
      int hit = -1;
      for (int i = 0; what[i] && hit < 0; i++) if (memmem(from_kernel.p, n, what[i], strlen(what[i]))) hit = i;
      consume(&from_kernel, n);
      if (hit >= 0) return hit;
    }
    struct pollfd q = {ipc, POLLIN, 0};
    int left = (int)(until - now_ms());
    if (left <= 0 || poll(&q, 1, left) <= 0) return -1;
    char chunk[4096];
    ssize_t r = read(ipc, chunk, sizeof chunk);
    if (r <= 0) return -1;
    put(&from_kernel, chunk, (size_t)r);
  }
}

static void hex(buf_t *b, const unsigned char *p, size_t n) {
  put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) putf(b, "%02x", p[i]);
  put(b, "\"", 1);
}
static void base64(buf_t *b, const unsigned char *p, size_t n) {
  static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  put(b, "\"", 1);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    char q[4] = {A[v >> 18 & 63], A[v >> 12 & 63], i + 1 < n ? A[v >> 6 & 63] : '=', i + 2 < n ? A[v & 63] : '='};
    put(b, q, 4);
  }
  put(b, "\"", 1);
}

/* One socket to the kernel: its state (a line of its own: it may be long), then its handle, sent again
 * (as Node does, up to 3 times) where Node got the line without it (NODE_HANDLE_NACK). */
static void pass(int ipc, int n, int fd, buf_t *state) {
  static const char *answers[] = {"\"NODE_HANDLE_ACK\"", "\"NODE_HANDLE_NACK\"", NULL};
  char line[128];
  putf(state, "}\n");
  if (write_all(ipc, state->p, state->len) < 0) _exit(1);
  snprintf(line, sizeof line, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":{\"noiselab\":\"fd\",\"n\":%d}}\n", n);
  for (int attempt = 0;; attempt++) {
    if (send_with_fd(ipc, line, fd) < 0) _exit(1);
    int got = await_line(ipc, answers, 10000);
    if (got == 0) return;
    if (got < 0 || attempt == 2) _exit(1); /* the kernel binds what it did not get */
  }
}

/* Gives every socket to the kernel, listeners first, each with its state; the kernel adopts what it got
 * even if this copy ends partway. */
static void hand_over(int ipc) {
  buf_t line = {0};
  int n = 0;
  putf(&line, "{\"noiselab\":\"begin\",\"session\":\"%s\",\"answered\":%s}\n", session_id, answered ? "true" : "false");
  if (write_all(ipc, line.p, line.len) < 0) _exit(1);
  for (int c = 0; c < CHANNELS; c++) {
    line.len = 0;
    putf(&line, "{\"noiselab\":\"state\",\"n\":%d,\"channel\":\"%s\",\"listener\":true", n, CHANNEL_NAMES[c]);
    pass(ipc, n++, listeners[c], &line);
  }
  for (int i = 0; i < npeers; i++) {
    peer_t *p = &peers[i];
    if (p->stopped == 2) continue; /* a peer that could not be written to: it reconnects */
    line.len = 0;
    putf(&line, "{\"noiselab\":\"state\",\"n\":%d,\"channel\":\"%s\",\"greeted\":%s,\"ready\":%s,\"id\":", n, CHANNEL_NAMES[p->channel],
         p->greeted ? "true" : "false", p->ready ? "true" : "false");
    hex(&line, p->id, p->id_len);
    puts_(&line, ",\"subscriptions\":[");
    for (int s = 0; s < p->nsubs; s++) { if (s) puts_(&line, ","); hex(&line, p->subs[s].p, p->subs[s].len); }
    puts_(&line, "],\"pending\":");
    base64(&line, p->in.p, p->in.len);
    pass(ipc, n++, p->fd, &line);
  }
  line.len = 0;
  puts_(&line, "{\"noiselab\":\"done\"}\n");
  write_all(ipc, line.p, line.len);
  _exit(0);
}

/* The forked copy: answers kernel_info until the kernel asks for its sockets (or is gone). */
static void serve(int ipc) {
  signal(SIGINT, SIG_IGN); /* an interrupt is the kernel's */
  signal(SIGPIPE, SIG_IGN);
  double give_up = now_ms() + 60000; /* a kernel that never asks: its sockets are released, and it binds its own */
  for (;;) {
    struct pollfd q[1 + CHANNELS + MAX_PEERS];
    int n = 0;
    q[n++] = (struct pollfd){ipc, POLLIN, 0};
    for (int c = 0; c < CHANNELS; c++) q[n++] = (struct pollfd){listeners[c], POLLIN, 0};
    /* a peer not read is left out (fd -1): poll reports a hang-up whatever the events, and would return at once, again and again */
    for (int i = 0; i < npeers; i++) q[n++] = (struct pollfd){peers[i].stopped || blocked[peers[i].channel] ? -1 : peers[i].fd, POLLIN, 0};
    int left = (int)(give_up - now_ms());
    if (left <= 0) _exit(0);
    if (poll(q, (nfds_t)n, left) < 0 && errno != EINTR) _exit(1);
    if (q[0].revents) {
      char chunk[4096];
      ssize_t r = read(ipc, chunk, sizeof chunk);
      if (r <= 0) _exit(0); /* the kernel is gone */
      put(&from_kernel, chunk, (size_t)r);
      if (memmem(from_kernel.p, from_kernel.len, "\"noiselab\":\"take\"", 17)) {
        from_kernel.len = 0;
        hand_over(ipc);
      }
    }
    for (int c = 0; c < CHANNELS; c++) if (q[1 + c].revents & POLLIN) accept_peer(c);
    /* peers (indexes shift as peers are dropped: from the end) */
    for (int i = npeers - 1; i >= 0; i--) {
      peer_t *p = &peers[i];
      int at = 1 + CHANNELS + i;
      if (at >= n || !q[at].revents) continue;
      if (p->stopped || blocked[p->channel]) continue;
      char chunk[65536];
      ssize_t r = recv(p->fd, chunk, sizeof chunk, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { drop(p); continue; }
      if (r > 0) put(&p->in, chunk, (size_t)r), handle(p);
    }
    /* peers a reply or a status could not be written to (they reconnect) */
    for (int i = npeers - 1; i >= 0; i--) if (peers[i].stopped == 2) drop(&peers[i]);
  }
}

/* ---------- start ---------- */

static int bind_tcp(const char *ip, long port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (port <= 0 || port > 65535) return -1;
  if (!strcmp(ip, "*") || !strcmp(ip, "0.0.0.0")) a.sin_addr.s_addr = htonl(INADDR_ANY);
  else if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) return -1; /* IPv6 and host names: Node's */
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as Node's listen */
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 511) < 0) { close(fd); return -1; }
  return fd;
}

/* The folder of the kernel the kernelspec's script finds (scripts/write-kernelspec.mjs): node_modules/noiselab/dist/
 * kernel/main.js upwards from the working directory, else $NOISELAB_KERNEL_HOME, else `fallback` (the checkout that
 * ran setup); 0 where there is none (Node's script then says so). */
static int kernel_dir(const char *fallback, char out[PATH_MAX]) {
  char dir[PATH_MAX], path[PATH_MAX + 64], found[PATH_MAX + 64] = "";
  struct stat st;
  if (!getcwd(dir, sizeof dir)) return 0;
  for (;;) {
    snprintf(path, sizeof path, "%s/node_modules/noiselab/dist/kernel/main.js", strcmp(dir, "/") ? dir : "");
    if (!stat(path, &st)) { snprintf(found, sizeof found, "%s", path); break; }
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) { if (!strcmp(dir, "/")) break; strcpy(dir, "/"); continue; }
    *slash = 0;
  }
  const char *home = getenv("NOISELAB_KERNEL_HOME");
  if (!found[0] && home && !stat(home, &st)) snprintf(found, sizeof found, "%s", home);
  if (!found[0]) snprintf(found, sizeof found, "%s", fallback);
  if (!realpath(found, out)) return 0;
  char *slash = strrchr(out, '/');
  if (slash) *slash = 0;
  return 1;
}

int main(int argc, char **argv) {
  started_ms = now_ms();
  if (argc < 4) {
    fprintf(stderr, "usage: launcher <fallback main.js> <node> [node's arguments] <connection file> (the kernelspec's argv, written by npm run setup)\n");
    return 2;
  }
  char **node = argv + 2;
  const char *file = argv[argc - 1];
  char kdir[PATH_MAX], transport[16], ip[64], key[512], scheme[32] = "";
  char *conn = read_text(file), info_path[PATH_MAX + 32];
  long ports[CHANNELS];
  const char *port_names[CHANNELS] = {"shell_port", "control_port", "stdin_port", "iopub_port"};
  int ok = conn && json_get_string(conn, "transport", transport, sizeof transport) && !strcmp(transport, "tcp") &&
           json_get_string(conn, "ip", ip, sizeof ip) && json_get_string(conn, "key", key, sizeof key);
  if (ok && json_member(conn, "signature_scheme")) ok = json_get_string(conn, "signature_scheme", scheme, sizeof scheme) && (!scheme[0] || !strcmp(scheme, "hmac-sha256"));
  for (int c = 0; ok && c < CHANNELS; c++) ok = json_get_int(conn, port_names[c], &ports[c]);
  if (ok && (ok = kernel_dir(argv[1], kdir))) {
    /* a kernel that takes the sockets over as this launcher passes them on writes this file (./front.cts): its
     * name carries the version of that hand-over, so a launcher and a kernel of different versions do not meet */
    snprintf(info_path, sizeof info_path, "%s/kernel-info.v1.json", kdir);
    ok = (info_json = read_text(info_path)) && json_member(info_json, "protocol_version");
  }
  for (int c = 0; c < CHANNELS; c++) listeners[c] = -1;
  for (int c = 0; ok && c < CHANNELS; c++) ok = (listeners[c] = bind_tcp(ip, ports[c])) >= 0;
  int pair[2] = {-1, -1};
  if (ok) ok = socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0;
  if (ok) {
    if (key[0]) hmac_key(key);
    struct passwd *pw = getpwuid(getuid());
    snprintf(username, sizeof username, "%s", pw && pw->pw_name ? pw->pw_name : "noiselab");
    uuid4(session_id);
    getrandom(&next_id, sizeof next_id, 0);
    next_id &= 0x7fffffff;
    pid_t child = fork();
    if (child == 0) {
      /* the copy that serves, forked twice: the kernel (this process, once it is Node) is not its parent to reap it */
      if (fork() == 0) {
        close(pair[0]);
        fcntl(pair[1], F_SETFD, FD_CLOEXEC);
        serve(pair[1]);
      }
      _exit(0);
    }
    if (child > 0) waitpid(child, NULL, 0);
    else ok = 0;
  }
  for (int c = 0; c < CHANNELS; c++) if (listeners[c] >= 0) close(listeners[c]);
  if (!ok && pair[0] >= 0) close(pair[0]), close(pair[1]);
  if (ok) {
    char fd[16];
    close(pair[1]);
    snprintf(fd, sizeof fd, "%d", pair[0]);
    setenv("NODE_CHANNEL_FD", fd, 1);
    unsetenv("NODE_CHANNEL_SERIALIZATION_MODE"); /* the channel speaks JSON lines */
    setenv("NOISELAB_EARLY_FRONT", "1", 1);
  }
  execv(node[0], node);
  fprintf(stderr, "noiselab kernel: cannot start %s: %s\n", node[0], strerror(errno));
  return 127;
}
