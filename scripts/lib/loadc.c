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
// Open loop (environment LOADC_RATE=R): R calls per second in all instead of the closed loop; call g goes
// to connection g % CONNECTIONS at the intended time start + g / R, whatever the server does, with at most
// DEPTH outstanding per connection (a call due while they are all busy is sent when one frees, and counted
// late). Latency then runs from the intended time, so a stall shows in the percentiles (no coordinated
// omission); lag_p99_us is the tool's own delay from intended time to write. 10,000 connections each
// validating once a second: LOADC_RATE=10000 loadc ... validate 10000 SECONDS 1 CODE (mind ulimit -n).
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

enum { SLOTS = 1024, FRAME_MAX = 1 << 20, IN_INITIAL = 16 << 10, LATENCIES_MAX = 50 * 1000 * 1000, STATUS_MAX = 32, VERDICT_MAX = 64 };

typedef struct {
    int fd;
    uint64_t next_id;
    int in_flight;
    int said_hello;
    uint64_t sent_ns[SLOTS];  // indexed by request id % SLOTS; ids grow, at most DEPTH <= SLOTS outstanding
    uint8_t *in;
    size_t in_len, in_cap;  // grows from IN_INITIAL to FRAME_MAX + 4 as answers need it
    uint64_t owed_ns[SLOTS];  // open loop: intended times of calls due while every slot was busy (a ring)
    unsigned owed_first, owed_count;
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
static uint64_t in_flight_total;
static double rate;  // open loop: calls per second in all; 0: closed loop
static uint64_t late_calls, unsent_calls;
static uint32_t *lags;  // open loop: microseconds from intended time to write, one per call sent
static size_t lags_count;

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

// Appends the next call; its latency runs from `intended_ns` (the open loop's intended time) or from now.
static void append_call_at(Conn *c, uint64_t intended_ns) {
    uint64_t id = c->next_id++;
    uint64_t now = now_ns();
    c->sent_ns[id % SLOTS] = intended_ns ? intended_ns : now;
    if (intended_ns && lags_count < LATENCIES_MAX) {
        uint64_t lag = now > intended_ns ? (now - intended_ns) / 1000 : 0;
        lags[lags_count++] = lag > UINT32_MAX ? UINT32_MAX : (uint32_t)lag;
    }
    c->in_flight++;
    in_flight_total++;
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

static void append_call(Conn *c) { append_call_at(c, 0); }

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
    in_flight_total--;
    if (status < STATUS_MAX) status_counts[status]++; else other_status++;
    if (verdict < VERDICT_MAX && verdict) verdict_counts[verdict]++;
    if (latencies_count < LATENCIES_MAX) {
        uint64_t us = (now - c->sent_ns[id % SLOTS]) / 1000;
        latencies[latencies_count++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
}

static int read_answers(Conn *c, int depth) {
    for (;;) {
        if (c->in_len == c->in_cap && c->in_cap < FRAME_MAX + 4) {
            c->in_cap = c->in_cap * 4 > FRAME_MAX + 4 ? FRAME_MAX + 4 : c->in_cap * 4;
            c->in = realloc(c->in, c->in_cap);
            if (!c->in) die("realloc");
        }
        ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
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
            if (!was_hello && rate > 0 && c->owed_count > 0 && can_send()) {
                // open loop: a slot freed, so the oldest call that found every slot busy goes now
                append_call_at(c, c->owed_ns[c->owed_first]);
                c->owed_first = (c->owed_first + 1) % SLOTS;
                c->owed_count--;
            } else if (!was_hello && rate == 0 && can_send()) {
                append_call(c);
            }
            at += 4 + len;
        }
        memmove(c->in, c->in + at, c->in_len - at);
        c->in_len -= at;
        if (rate == 0 && c->said_hello && c->in_flight == 0 && c->out_len == 0) {
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
    const char *rate_text = getenv("LOADC_RATE");
    rate = rate_text ? atof(rate_text) : 0;
    if (rate < 0) { fprintf(stderr, "loadc: LOADC_RATE must be a positive number of calls per second\n"); return 1; }
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
    lags = malloc(sizeof *lags * LATENCIES_MAX);
    if (!latencies || !lags) die("malloc");

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
        c->in_cap = IN_INITIAL;
        c->in = malloc(c->in_cap);
        append_hello(c);
        flush_out(c);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    if (rate > 0) {
        // Open loop: every connection has said hello before the clock starts, so no call waits for one.
        struct epoll_event events[256];
        for (int greeted = 0; greeted < connections;) {
            int n = epoll_wait(ep, events, 256, 30000);
            if (n == 0) { fprintf(stderr, "loadc: hello answers missing after 30 s\n"); return 1; }
            if (n < 0 && errno != EINTR) die("epoll_wait");
            for (int i = 0; i < n; i++) {
                Conn *c = events[i].data.ptr;
                int was = c->said_hello;
                read_answers(c, depth);
                greeted += c->said_hello - was;
            }
        }
    }
    uint64_t start = now_ns(), stop = start + (uint64_t)(seconds * 1e9);
    uint64_t ticket = 0;  // open loop: the next call due, in all connections
    struct epoll_event events[256];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= stop) running = 0;
        if ((!running || !can_send()) && in_flight_total == 0 && now > start + 100000000u) break;
        struct timespec wait = {0, 100 * 1000 * 1000};
        if (rate > 0) {
            // Send every call whose time has come, then sleep until the next one's.
            for (;;) {
                uint64_t due = start + (uint64_t)((double)ticket * 1e9 / rate);
                if (due >= stop) break;
                if (due > now) {
                    uint64_t gap = due - now;
                    wait.tv_sec = (time_t)(gap / 1000000000u);
                    wait.tv_nsec = (long)(gap % 1000000000u);
                    break;
                }
                Conn *c = &conns[ticket % (uint64_t)connections];
                ticket++;
                if (!can_send()) continue;
                if (c->said_hello && c->in_flight < depth && c->owed_count == 0) {
                    append_call_at(c, due);
                    flush_out(c);
                } else if (c->owed_count < SLOTS) {
                    late_calls++;
                    c->owed_ns[(c->owed_first + c->owed_count) % SLOTS] = due;
                    c->owed_count++;
                } else {
                    unsent_calls++;
                }
                now = now_ns();
            }
            if (!running) {
                for (int i = 0; i < connections; i++) { unsent_calls += conns[i].owed_count; conns[i].owed_count = 0; }
            }
        }
        int n = epoll_pwait2(ep, events, 256, &wait, NULL);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            Conn *c = events[i].data.ptr;
            read_answers(c, depth);
            if (c->out_len) flush_out(c);
        }
        if (!running && now_ns() > stop + 30000000000ull) { fprintf(stderr, "loadc: answers still missing after 30 s\n"); return 1; }
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    qsort(lags, lags_count, sizeof *lags, compare_u32);
    uint32_t lag_p99 = lags_count ? lags[(size_t)(0.99 * (double)(lags_count - 1) + 0.5)] : 0;
    qsort(latencies, latencies_count, sizeof *latencies, compare_u32);
    printf("{\"scenario\":\"%s\",\"connections\":%d,\"depth\":%d,\"calls\":%zu,\"seconds\":%.3f,\"calls_per_s\":%.0f,"
           "\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,",
           scenario, connections, depth, latencies_count, elapsed, (double)latencies_count / elapsed, percentile(0.5),
           percentile(0.9), percentile(0.99), percentile(0.999), latencies_count ? latencies[latencies_count - 1] : 0);
    if (rate > 0)
        printf("\"rate\":%.0f,\"late\":%llu,\"unsent\":%llu,\"lag_p99_us\":%u,", rate, (unsigned long long)late_calls,
               (unsigned long long)unsent_calls, lag_p99);
    printf("\"status\":{");
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
