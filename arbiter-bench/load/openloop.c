// openloop: an open-loop HTTP/1.1 load generator (one thread, epoll, keep-alive connections).
//
// Request i is due at start + i/rate. Due requests wait in a queue for a free connection; latency
// is measured from the due time to the last byte of the answer, so a server that stalls shows up
// as latency instead of silently lowering the offered rate (no coordinated omission).
//
//   cc -O2 -o openloop openloop.c
//   ./openloop --host 127.0.0.1 --port 18700 --path /v1/decisions --rate 2500 --seconds 60
//       --conns 256 --header "Authorization: Bearer $TOKEN" --body-file body.json --expect 201
//       [--idempotency-prefix run1] [--warmup 10] [--trace FILE]
//
// With --body-file the request is a POST with Content-Type: application/json; with
// --idempotency-prefix each request carries Idempotency-Key: PREFIX-<i>. Prints one summary line
// per phase (warm-up first, if any) and a JSON object on the last line. --trace writes one line per
// answer of the measured phase, "<due time, s from its start> <latency, ms>", to see when the slow
// ones happened.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 16
#define BUF 262144

typedef struct {
  int fd;
  int busy;
  long req;          // index of the request in flight
  char *out;         // request bytes
  size_t out_len, out_off;
  char in[BUF];
  size_t in_len;
} conn;

static const char *host = "127.0.0.1", *path = "/", *body_file = NULL, *idem = NULL, *trace = NULL;
static int port = 80, conns_n = 128, expect = 200, warmup = 0;
static double rate = 1000, seconds = 10;
static const char *headers[MAX_HEADERS];
static int headers_n = 0;
static char *body = NULL;
static size_t body_len = 0;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *m) {
  perror(m);
  exit(2);
}

static int open_conn(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "openloop: --host must be an IPv4 address\n");
    exit(2);
  }
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static size_t build(char *dst, size_t cap, const char *phase, long i) {
  size_t n = (size_t)snprintf(dst, cap, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n", body ? "POST" : "GET", path, host, port);
  for (int h = 0; h < headers_n; h++) n += (size_t)snprintf(dst + n, cap - n, "%s\r\n", headers[h]);
  if (idem) n += (size_t)snprintf(dst + n, cap - n, "Idempotency-Key: %s-%s-%ld\r\n", idem, phase, i);
  if (body) {
    n += (size_t)snprintf(dst + n, cap - n, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", body_len);
    memcpy(dst + n, body, body_len);
    n += body_len;
  } else {
    n += (size_t)snprintf(dst + n, cap - n, "\r\n");
  }
  return n;
}

// Returns the length of a complete response at the start of buf (0 if incomplete), and its status.
static size_t complete(const char *buf, size_t len, int *status) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - buf) + 4;
  *status = atoi(buf + 9);
  long clen = -1;
  int chunked = 0;
  for (const char *p = buf; p < end;) {
    const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
    if (!eol) break;
    if (strncasecmp(p, "content-length:", 15) == 0) clen = atol(p + 15);
    if (strncasecmp(p, "transfer-encoding:", 18) == 0 && memmem(p, (size_t)(eol - p), "chunked", 7)) chunked = 1;
    p = eol + 2;
  }
  if (!chunked) {
    size_t total = head + (size_t)(clen < 0 ? 0 : clen);
    return len >= total ? total : 0;
  }
  size_t at = head;
  for (;;) {
    const char *eol = memmem(buf + at, len - at, "\r\n", 2);
    if (!eol) return 0;
    long size = strtol(buf + at, NULL, 16);
    at = (size_t)(eol - buf) + 2;
    if (size == 0) {
      // no trailers expected: the final CRLF
      return len >= at + 2 ? at + 2 : 0;
    }
    at += (size_t)size + 2;
    if (at > len) return 0;
  }
}

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint64_t *s, long n, double p) {
  if (n == 0) return 0;
  long i = (long)(p * n + 0.999999) - 1;
  if (i < 0) i = 0;
  if (i >= n) i = n - 1;
  return s[i] / 1e6;
}

static void phase(const char *name, double secs, int last) {
  long total = (long)(rate * secs);
  uint64_t *lat = calloc((size_t)total, sizeof *lat);
  uint64_t *lat_due = calloc((size_t)total, sizeof *lat_due); // due time of lat[i], for --trace
  uint64_t *due = calloc((size_t)total, sizeof *due);
  long *queue = calloc((size_t)total, sizeof *queue);
  long qhead = 0, qtail = 0, next = 0, done = 0, ok = 0, bad = 0, errors = 0;
  conn *cs = calloc((size_t)conns_n, sizeof *cs);
  int ep = epoll_create1(0);
  for (int c = 0; c < conns_n; c++) {
    cs[c].fd = open_conn();
    cs[c].out = malloc(BUF);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)c};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[c].fd, &ev);
  }
  int *idle = malloc(sizeof(int) * (size_t)conns_n);
  int idle_n = 0;
  for (int c = conns_n - 1; c >= 0; c--) idle[idle_n++] = c;
  double interval = 1e9 / rate;
  uint64_t start = now_ns();
  uint64_t deadline = start + (uint64_t)(secs * 1e9) + 120000000000ull;
  struct epoll_event evs[256];
  while (done < total) {
    uint64_t t = now_ns();
    if (t > deadline) break;
    while (next < total && start + (uint64_t)(next * interval) <= t) {
      due[next] = start + (uint64_t)(next * interval);
      queue[qtail++] = next++;
    }
    while (qhead < qtail && idle_n > 0) {
      conn *c = &cs[idle[--idle_n]];
      c->req = queue[qhead++];
      c->busy = 1;
      c->out_len = build(c->out, BUF, name, c->req);
      c->out_off = 0;
      ssize_t w = write(c->fd, c->out, c->out_len);
      if (w > 0) c->out_off = (size_t)w;
      if (c->out_off < c->out_len) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)(c - cs)};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
      }
    }
    // Sleep until the next request is due or an answer arrives (nanosecond timeout: a
    // millisecond one would either spin or send in bursts).
    int64_t wait = 1000000;
    if (next < total && qhead == qtail) {
      wait = (int64_t)(start + (uint64_t)(next * interval)) - (int64_t)now_ns();
      if (wait < 0) wait = 0;
    }
    struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
    int n = epoll_pwait2(ep, evs, 256, &ts, NULL);
    for (int k = 0; k < n; k++) {
      conn *c = &cs[evs[k].data.u32];
      if (evs[k].events & EPOLLOUT && c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w > 0) c->out_off += (size_t)w;
        if (c->out_off == c->out_len) {
          struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[k].data.u32};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
      }
      if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        ssize_t r = read(c->fd, c->in + c->in_len, BUF - c->in_len);
        if (r <= 0) {
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
          // the server closed the connection: count the request in flight as an error, reconnect
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          close(c->fd);
          int was_busy = c->busy;
          if (was_busy) {
            lat_due[done] = due[c->req];
            lat[done++] = now_ns() - due[c->req];
            errors++;
            c->busy = 0;
          }
          c->in_len = 0;
          c->out_off = c->out_len = 0;
          c->fd = open_conn();
          struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[k].data.u32};
          epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
          // An idle connection the server timed out is already on the idle stack: pushing it again
          // would hand it two requests at once and, eventually, write past the stack.
          if (was_busy) idle[idle_n++] = (int)evs[k].data.u32;
          continue;
        }
        c->in_len += (size_t)r;
        int status = 0;
        size_t used = complete(c->in, c->in_len, &status);
        if (used > 0 && c->busy) {
          lat_due[done] = due[c->req];
          lat[done++] = now_ns() - due[c->req];
          if (status == expect) ok++; else bad++;
          memmove(c->in, c->in + used, c->in_len - used);
          c->in_len -= used;
          c->busy = 0;
          idle[idle_n++] = (int)evs[k].data.u32;
        } else if (c->in_len == BUF) {
          fprintf(stderr, "openloop: an answer larger than %d bytes\n", BUF);
          exit(2);
        }
      }
    }
  }
  double elapsed = (now_ns() - start) / 1e9;
  if (last && trace) { // one line per answer of the measured phase: due time (s from start), latency (ms)
    FILE *f = fopen(trace, "w");
    if (!f) die("cannot write the --trace file");
    for (long i = 0; i < done; i++) fprintf(f, "%.6f %.3f\n", (lat_due[i] - start) / 1e9, lat[i] / 1e6);
    fclose(f);
  }
  free(lat_due);
  qsort(lat, (size_t)done, sizeof *lat, cmp);
  printf("%s: offered=%.0f/s seconds=%.0f sent=%ld done=%ld ok=%ld unexpected_status=%ld errors=%ld achieved=%.0f/s "
         "p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms\n",
         name, rate, secs, next, done, ok, bad, errors, ok / elapsed, pct(lat, done, .5), pct(lat, done, .9),
         pct(lat, done, .99), pct(lat, done, .999), done ? lat[done - 1] / 1e6 : 0);
  if (last) {
    printf("{\"offered_per_second\":%.0f,\"seconds\":%.0f,\"ok\":%ld,\"unexpected_status\":%ld,\"errors\":%ld,"
           "\"achieved_per_second\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
           rate, secs, ok, bad, errors, ok / elapsed, pct(lat, done, .5), pct(lat, done, .9), pct(lat, done, .99),
           pct(lat, done, .999), done ? lat[done - 1] / 1e6 : 0);
  }
  fflush(stdout);
  for (int c = 0; c < conns_n; c++) {
    close(cs[c].fd);
    free(cs[c].out);
  }
  close(ep);
  free(cs);
  free(idle);
  free(lat);
  free(due);
  free(queue);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); // a write to a connection the server reset is an error to count, not the end of the run
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) {
      fprintf(stderr, "openloop: %s needs a value\n", a);
      return 2;
    }
    if (!strcmp(a, "--host")) host = v;
    else if (!strcmp(a, "--port")) port = atoi(v);
    else if (!strcmp(a, "--path")) path = v;
    else if (!strcmp(a, "--rate")) rate = atof(v);
    else if (!strcmp(a, "--seconds")) seconds = atof(v);
    else if (!strcmp(a, "--warmup")) warmup = atoi(v);
    else if (!strcmp(a, "--conns")) conns_n = atoi(v);
    else if (!strcmp(a, "--expect")) expect = atoi(v);
    else if (!strcmp(a, "--body-file")) body_file = v;
    else if (!strcmp(a, "--idempotency-prefix")) idem = v;
    else if (!strcmp(a, "--header") && headers_n < MAX_HEADERS) headers[headers_n++] = v;
    else if (!strcmp(a, "--trace")) trace = v;
    else {
      fprintf(stderr, "openloop: unknown option %s\n", a);
      return 2;
    }
    i++;
  }
  if (rate <= 0 || seconds <= 0 || conns_n <= 0) {
    fprintf(stderr, "openloop: --rate, --seconds and --conns must be positive\n");
    return 2;
  }
  if (body_file) {
    FILE *f = fopen(body_file, "rb");
    if (!f) die(body_file);
    body = malloc(65536);
    body_len = fread(body, 1, 65536, f);
    fclose(f);
    while (body_len > 0 && (body[body_len - 1] == '\n' || body[body_len - 1] == '\r')) body_len--;
  }
  if (warmup > 0) phase("warmup", warmup, 0);
  phase("run", seconds, 1);
  return 0;
}
