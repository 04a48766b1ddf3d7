// loadc: a minimal closed-loop load client for promo-server, the yardstick promo-loadtest is checked against.
//
// One thread, epoll, non-blocking sockets. Each connection says hello once, then keeps DEPTH calls in flight:
// every answer is matched by request id, timed, and replaced by the next call, and all calls written in one
// wake-up go out in one write per connection. Frames are built with the project's own protobuf-c code: the
// call arm is packed once, and each frame is the length, the request id and those bytes (protobuf fields may
// come in any order). Only redeems, whose idempotency key and (with a code file) code change per call, are
// packed per call. Answers are read without unpacking: the request id, the status code and the verdict.
//
// Usage: loadc HOST PORT API_KEY SCENARIO CONNECTIONS SECONDS [DEPTH] [CODE | @FILE]
//   SCENARIO  hello | validate | redeem
//   CODE      the shared code to validate or redeem; @FILE: one single-use code per line, each redeemed once
//             (the run stops early when they run out)
// Prints one JSON object: calls, seconds, calls_per_s, latency percentiles in microseconds, and counts of
// status codes and verdicts. Exit status 1 on a set-up error.
//
// Build (scripts/lib/server.sh build_loadc does this): cc -O2 -I Sources/CPromoProto/include
//   scripts/lib/loadc.c Sources/CPromoProto/promo.pb-c.c -lprotobuf-c -o .build/loadc
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "promo.pb-c.h"

enum { SLOTS = 1024, FRAME_MAX = 1 << 20, LATENCIES_MAX = 50 * 1000 * 1000, STATUS_MAX = 32, VERDICT_MAX = 64 };

typedef struct {
    int fd;
    uint64_t next_id;
    int in_flight;
    int said_hello;
    uint64_t sent_ns[SLOTS];  // indexed by request id % SLOTS; ids grow, at most DEPTH <= SLOTS outstanding
    uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_cap;
} Conn;

static const char *scenario;
static char *api_key;
static uint8_t *arm;  // the packed call arm (field tag, length, message) of hello or validate
static size_t arm_len;
static char **codes;
static size_t codes_count, codes_next;
static const char *shared_code;
static uint64_t redeem_serial;
static uint32_t *latencies;
static size_t latencies_count;
static uint64_t status_counts[STATUS_MAX], verdict_counts[VERDICT_MAX], other_status;
static int running = 1;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static size_t put_varint(uint8_t *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
    p[n++] = (uint8_t)v;
    return n;
}

static int get_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t b = p[(*at)++];
        result |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *v = result; return 1; }
    }
    return 0;
}

static void reserve_out(Conn *c, size_t more) {
    if (c->out_len + more <= c->out_cap) return;
    while (c->out_len + more > c->out_cap) c->out_cap = c->out_cap ? c->out_cap * 2 : 4096;
    c->out = realloc(c->out, c->out_cap);
    if (!c->out) die("realloc");
}

// Appends one frame: length, request id (field 1), then the call arm.
static void append_frame(Conn *c, uint64_t id, const uint8_t *call, size_t call_len) {
    uint8_t head[11];
    head[0] = 0x08;
    size_t head_len = 1 + put_varint(head + 1, id);
    uint32_t body = (uint32_t)(head_len + call_len);
    reserve_out(c, 4 + body);
    uint8_t *p = c->out + c->out_len;
    p[0] = body >> 24; p[1] = body >> 16; p[2] = body >> 8; p[3] = body;
    memcpy(p + 4, head, head_len);
    memcpy(p + 4 + head_len, call, call_len);
    c->out_len += 4 + body;
}

// Packs a Request holding only `request` (no id) and returns its bytes: exactly the call arm's encoding.
static uint8_t *pack_call(Promo__V1__Request *request, size_t *len) {
    *len = promo__v1__request__get_packed_size(request);
    uint8_t *bytes = malloc(*len ? *len : 1);
    promo__v1__request__pack(request, bytes);
    return bytes;
}

static void append_hello(Conn *c) {
    Promo__V1__HelloRequest hello = PROMO__V1__HELLO_REQUEST__INIT;
    hello.api_key = api_key;
    hello.client_name = "loadc";
    Promo__V1__Request request = PROMO__V1__REQUEST__INIT;
    request.call_case = PROMO__V1__REQUEST__CALL_HELLO;
    request.hello = &hello;
    size_t len;
    uint8_t *bytes = pack_call(&request, &len);
    append_frame(c, c->next_id++, bytes, len);
    free(bytes);
}

static void append_call(Conn *c) {
    uint64_t id = c->next_id++;
    c->sent_ns[id % SLOTS] = now_ns();
    c->in_flight++;
    if (strcmp(scenario, "redeem") != 0) {
        append_frame(c, id, arm, arm_len);
        return;
    }
    char key[40];
    snprintf(key, sizeof key, "loadc-%d-%llu", getpid(), (unsigned long long)++redeem_serial);
    Promo__V1__UserContext user = PROMO__V1__USER_CONTEXT__INIT;
    char user_id[32];
    snprintf(user_id, sizeof user_id, "loadc-user-%llu", (unsigned long long)redeem_serial);
    user.user_id = user_id;
    Promo__V1__RedeemRequest redeem = PROMO__V1__REDEEM_REQUEST__INIT;
    redeem.code = codes ? codes[codes_next++] : (char *)shared_code;
    redeem.user = &user;
    redeem.idempotency_key = key;
    Promo__V1__Request request = PROMO__V1__REQUEST__INIT;
    request.call_case = PROMO__V1__REQUEST__CALL_REDEEM;
    request.redeem = &redeem;
    uint8_t bytes[512];
    size_t len = promo__v1__request__get_packed_size(&request);
    if (len > sizeof bytes) { fprintf(stderr, "loadc: redeem frame too large\n"); exit(1); }
    promo__v1__request__pack(&request, bytes);
    append_frame(c, id, bytes, len);
}

static int can_send(void) { return running && (!codes || codes_next < codes_count); }

static void flush_out(Conn *c) {
    size_t at = 0;
    while (at < c->out_len) {
        ssize_t n = write(c->fd, c->out + at, c->out_len - at);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            die("write");
        }
        at += (size_t)n;
    }
    memmove(c->out, c->out + at, c->out_len - at);
    c->out_len -= at;
}

// Reads field `field`'s first varint inside the length-delimited message at p[0..len).
static uint64_t inner_varint(const uint8_t *p, size_t len, uint32_t field) {
    size_t at = 0;
    while (at < len) {
        uint64_t tag, v;
        if (!get_varint(p, len, &at, &tag)) return 0;
        switch (tag & 7) {
        case 0:
            if (!get_varint(p, len, &at, &v)) return 0;
            if ((tag >> 3) == field) return v;
            break;
        case 1: at += 8; break;
        case 5: at += 4; break;
        case 2:
            if (!get_varint(p, len, &at, &v)) return 0;
            at += v;
            break;
        default: return 0;
        }
    }
    return 0;
}

// One answer: request id, status (field 2, its field 1) and the verdict (field 1 of the validate/redeem arm).
static void on_answer(Conn *c, const uint8_t *p, size_t len, uint64_t now) {
    uint64_t id = 0, status = 0, verdict = 0;
    size_t at = 0;
    while (at < len) {
        uint64_t tag, v;
        if (!get_varint(p, len, &at, &tag)) break;
        uint32_t field = (uint32_t)(tag >> 3);
        if ((tag & 7) == 0) {
            if (!get_varint(p, len, &at, &v)) break;
            if (field == 1) id = v;
        } else if ((tag & 7) == 2) {
            if (!get_varint(p, len, &at, &v) || at + v > len) break;
            if (field == 2) status = inner_varint(p + at, v, 1);
            if (field == PROMO__V1__RESPONSE__RESULT_VALIDATE || field == PROMO__V1__RESPONSE__RESULT_REDEEM)
                verdict = inner_varint(p + at, v, 1);
            at += v;
        } else {
            break;
        }
    }
    if (!c->said_hello) {
        if (status != 0) { fprintf(stderr, "loadc: hello refused (status %llu)\n", (unsigned long long)status); exit(1); }
        c->said_hello = 1;
        return;
    }
    if (id == 0) { fprintf(stderr, "loadc: connection-level answer, status %llu\n", (unsigned long long)status); exit(1); }
    c->in_flight--;
    if (status < STATUS_MAX) status_counts[status]++; else other_status++;
    if (verdict < VERDICT_MAX && verdict) verdict_counts[verdict]++;
    if (latencies_count < LATENCIES_MAX) {
        uint64_t us = (now - c->sent_ns[id % SLOTS]) / 1000;
        latencies[latencies_count++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
}

static int read_answers(Conn *c, int depth) {
    for (;;) {
        ssize_t n = read(c->fd, c->in + c->in_len, FRAME_MAX + 4 - c->in_len);
        if (n == 0) { fprintf(stderr, "loadc: server closed a connection\n"); exit(1); }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            die("read");
        }
        c->in_len += (size_t)n;
        uint64_t now = now_ns();
        size_t at = 0;
        while (c->in_len - at >= 4) {
            const uint8_t *q = c->in + at;
            uint32_t len = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
            if (len > FRAME_MAX) { fprintf(stderr, "loadc: oversized answer\n"); exit(1); }
            if (c->in_len - at - 4 < len) break;
            int was_hello = !c->said_hello;
            on_answer(c, q + 4, len, now);
            if (!was_hello && can_send()) append_call(c);
            at += 4 + len;
        }
        memmove(c->in, c->in + at, c->in_len - at);
        c->in_len -= at;
        if (c->said_hello && c->in_flight == 0 && c->out_len == 0) {
            // first fill after hello
            for (int i = 0; i < depth && can_send(); i++) append_call(c);
        }
    }
    return 0;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t percentile(double p) {
    if (!latencies_count) return 0;
    size_t i = (size_t)(p * (double)(latencies_count - 1) + 0.5);
    return latencies[i];
}

static void load_codes(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    size_t cap = 1024;
    codes = malloc(cap * sizeof *codes);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n,")] = 0;
        if (!line[0]) continue;
        if (codes_count == cap) codes = realloc(codes, (cap *= 2) * sizeof *codes);
        codes[codes_count++] = strdup(line);
    }
    fclose(f);
    if (!codes_count) { fprintf(stderr, "loadc: no codes in %s\n", path); exit(1); }
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: loadc HOST PORT API_KEY hello|validate|redeem CONNECTIONS SECONDS [DEPTH] [CODE|@FILE]\n");
        return 1;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    api_key = argv[3];
    scenario = argv[4];
    int connections = atoi(argv[5]);
    double seconds = atof(argv[6]);
    int depth = argc > 7 ? atoi(argv[7]) : 1;
    const char *code = argc > 8 ? argv[8] : "";
    if (connections < 1 || connections > 20000 || depth < 1 || depth > SLOTS || seconds <= 0) {
        fprintf(stderr, "loadc: connections 1...20000, depth 1...%d, seconds > 0\n", SLOTS);
        return 1;
    }
    if (code[0] == '@') load_codes(code + 1); else shared_code = code;
    if (strcmp(scenario, "hello") && strcmp(scenario, "validate") && strcmp(scenario, "redeem")) {
        fprintf(stderr, "loadc: unknown scenario %s\n", scenario);
        return 1;
    }
    if (strcmp(scenario, "hello") != 0 && !codes && !shared_code[0]) {
        fprintf(stderr, "loadc: %s needs a CODE or @FILE\n", scenario);
        return 1;
    }

    Promo__V1__Request request = PROMO__V1__REQUEST__INIT;
    Promo__V1__HelloRequest hello = PROMO__V1__HELLO_REQUEST__INIT;
    Promo__V1__ValidateRequest validate = PROMO__V1__VALIDATE_REQUEST__INIT;
    Promo__V1__UserContext user = PROMO__V1__USER_CONTEXT__INIT;
    user.user_id = "loadc-user";
    if (!strcmp(scenario, "hello")) {
        hello.api_key = api_key;
        request.call_case = PROMO__V1__REQUEST__CALL_HELLO;
        request.hello = &hello;
    } else {
        validate.code = (char *)shared_code;
        validate.user = &user;
        request.call_case = PROMO__V1__REQUEST__CALL_VALIDATE;
        request.validate = &validate;
    }
    arm = pack_call(&request, &arm_len);
    latencies = malloc(sizeof *latencies * LATENCIES_MAX);
    if (!latencies) die("malloc");

    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) { fprintf(stderr, "loadc: HOST must be an IPv4 address\n"); return 1; }
    int ep = epoll_create1(0);
    Conn *conns = calloc((size_t)connections, sizeof *conns);
    for (int i = 0; i < connections; i++) {
        Conn *c = &conns[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&address, sizeof address) < 0) die("connect");
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(c->fd, F_SETFL, O_NONBLOCK);
        c->next_id = 1;
        c->in = malloc(FRAME_MAX + 4);
        append_hello(c);
        flush_out(c);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    uint64_t start = now_ns(), stop = start + (uint64_t)(seconds * 1e9);
    struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= stop) running = 0;
        int outstanding = 0;
        for (int i = 0; i < connections; i++) outstanding += conns[i].in_flight;
        if ((!running || !can_send()) && outstanding == 0 && now > start + 100000000u) break;
        int n = epoll_wait(ep, events, 256, 100);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            Conn *c = events[i].data.ptr;
            read_answers(c, depth);
            if (c->out_len) flush_out(c);
        }
        if (!running && now_ns() > stop + 30000000000ull) { fprintf(stderr, "loadc: answers still missing after 30 s\n"); return 1; }
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    qsort(latencies, latencies_count, sizeof *latencies, compare_u32);
    printf("{\"scenario\":\"%s\",\"connections\":%d,\"depth\":%d,\"calls\":%zu,\"seconds\":%.3f,\"calls_per_s\":%.0f,"
           "\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,\"status\":{",
           scenario, connections, depth, latencies_count, elapsed, (double)latencies_count / elapsed, percentile(0.5),
           percentile(0.9), percentile(0.99), percentile(0.999), latencies_count ? latencies[latencies_count - 1] : 0);
    const char *sep = "";
    for (int i = 0; i < STATUS_MAX; i++)
        if (status_counts[i]) { printf("%s\"%d\":%llu", sep, i, (unsigned long long)status_counts[i]); sep = ","; }
    if (other_status) printf("%s\"other\":%llu", sep, (unsigned long long)other_status);
    printf("},\"verdicts\":{");
    sep = "";
    for (int i = 0; i < VERDICT_MAX; i++)
        if (verdict_counts[i]) {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&promo__v1__verdict__descriptor, i);
            printf("%s\"%s\":%llu", sep, v ? v->name : "?", (unsigned long long)verdict_counts[i]);
            sep = ",";
        }
    printf("}}\n");
    return 0;
}
