/*
 * wanemu: a user-space WAN emulator for bench/netlab.sh.
 *
 * The lab's kernel has no netem, tbf or fq, so delay, loss and a bottleneck cannot be had from tc. Instead each
 * emulated link is a pair of TUN devices, one in the client's network namespace and one in the server's, and this
 * program relays IP packets between them, holding each one until its departure time.
 *
 *   wanemu run --socket PATH --pidfile PATH [--rt-priority N] [--tick-us N] [--no-io-uring]
 *              --link CLIENT_NS/DEV SERVER_NS/DEV SPEC [--link ...]
 *   wanemu ctl PATH COMMAND...     send one control command to a running emulator, print the answer
 *   wanemu check SPEC              exit 0 if SPEC is valid, else print why and exit 2
 *
 * SPEC is a list of key=value separated by commas or spaces; a key applies to both directions unless prefixed
 * with up. (client to server) or down. (server to client):
 *   delay=25ms        one-way delay (us, ms, s; fractions allowed)
 *   jitter=1ms        each packet's delay is drawn uniformly from [delay - jitter, delay + jitter] (at least 0),
 *                     but a packet never leaves before the one ahead of it: no reordering
 *   loss=1%           independent random loss
 *   ge=p/r/lg/lb      Gilbert-Elliott loss: before each packet the state moves good->bad with probability p and
 *                     bad->good with r, then the packet is lost with lg in the good state, lb in the bad one
 *                     (all four in %); ge=off turns it off. Mean loss is (r*lg + p*lb) / (p + r)
 *   rate=100mbit      a bottleneck counting whole IP packets (tc's units); rate=none for no bottleneck
 *   queue=100ms|N     the bottleneck's drop-tail queue, in time at the rate or in packets; default 100ms
 *   blackhole=on|off  drop everything, including what is already in flight (an outage)
 *   seed=N            the PRNG seed (default 1); each direction of each link draws its own stream from it
 *
 * Control commands (one line each, on the unix socket): `link N|all [up|down|both] SPEC`, `stats`, `show`, `ping`.
 * A change of delay never reorders: a packet departs no earlier than the one queued ahead of it.
 *
 * One thread per link direction owns everything about that direction (its ring, its PRNG, its bottleneck clock),
 * so the data path takes no lock; the control thread hands it new settings through a generation counter. Each
 * turn of a thread writes what is due and reads what has arrived in one io_uring submission (plain read and write
 * where io_uring is missing, or with --no-io-uring).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h> /* before linux/if.h, which then leaves out what both define */
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/fs.h> /* RWF_NOWAIT */
#include <linux/io_uring.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINKS 64
/* The largest packet a TUN read can return; each read reserves this much contiguous ring space. */
#define MAX_PACKET 65536
#define RECORD_HEADER 16
#define RESERVE (RECORD_HEADER + MAX_PACKET)
/* An unlimited link still needs a ring for its delay: sized as if it carried this much, the most this kind of
 * machine moves through one link (beyond it, packets are dropped and counted as full_drops). */
#define ASSUMED_MAX_BPS 10e9
#define RING_MIN ((size_t)4 << 20)
#define RING_MAX ((size_t)512 << 20)
/* Packets handled per turn before the thread switches between reading and delivering, so neither starves. */
#define BATCH 64
/* The most reads one io_uring submission asks for; each has a buffer of MAX_PACKET to land in. */
#define READ_BATCH 32
/* A packet due within this is sent now rather than after another sleep: a wake-up costs more than the accuracy. */
#define EARLY_NS 5000
/* The most a thread's measured wake-up lateness may move its sleeps forward. */
#define MAX_EARLY_NS 300000
/* A direction this far behind its schedule is overloaded (the machine cannot move packets as fast as they come):
 * arrivals are then dropped and counted, so the emulator acts as a bottleneck with a short queue instead of
 * holding a growing backlog that would add its own delay to the one configured. */
#define OVERLOAD_NS 5000000

#define CONFIG_ERROR 2

static const char *const DIR_NAME[2] = {"up", "down"};

/* Probabilities are kept as thresholds on 53-bit draws, so 100% drops every packet. */
#define P_ONE ((uint64_t)1 << 53)

struct settings {
    int64_t delay_ns, jitter_ns;
    uint64_t loss;                   /* threshold out of P_ONE */
    bool ge;
    uint64_t ge_p, ge_r, ge_good, ge_bad;
    double rate_bps;                 /* 0: no bottleneck */
    uint32_t queue_packets;          /* 0: the queue is queue_ns long at the rate */
    int64_t queue_ns;
    bool blackhole;
    uint64_t seed;
    uint64_t seed_generation;        /* bumped by every seed= so a direction reseeds even to the same value */
};

/* Counters are written by one thread only and read by the control thread: relaxed atomics cost a plain move. */
struct counters {
    _Atomic uint64_t rx_packets, rx_bytes, loss_drops, queue_drops, blackhole_drops, full_drops, error_drops,
        overload_drops, delivered_packets, delivered_bytes, queued, max_packet, late_ns, late_max_ns;
};

#define BUMP(field, n) atomic_store_explicit(&(field), atomic_load_explicit(&(field), memory_order_relaxed) + (n), memory_order_relaxed)
#define READ(field) atomic_load_explicit(&(field), memory_order_relaxed)

struct direction {
    int link, dir;
    int in_fd, out_fd, wake_fd;
    pthread_t thread;

    /* Written by the control thread under lock; the data thread copies it when the generation moves. */
    pthread_mutex_t lock;
    struct settings pending;
    _Atomic uint64_t generation;

    /* Owned by the data thread. */
    struct settings cfg;
    uint64_t seen_generation, seen_seed_generation;
    uint64_t rng;
    bool ge_bad_state;
    uint8_t *ring;
    size_t cap, head, tail, wrap_at, count;
    bool wrapped;
    uint8_t *scratch;                /* where a packet is read when the ring has no room, to be dropped */
    int64_t last_departure;
    int64_t wake_late_ns;            /* how late timed sleeps end, averaged: sleeps end that much early instead */
    double bottleneck_done;          /* when the bottleneck finishes the last admitted packet, ns (fractional) */
    int64_t *in_service;             /* bottleneck finish times of admitted packets not yet through it */
    size_t service_cap, service_head, service_count;

    struct uring *uring;             /* NULL: plain read and write, one system call per packet */
    uint8_t *staging;                /* READ_BATCH buffers the batched reads land in */
    int read_batch;                  /* how many reads the next submission asks for */

    struct counters stats;
};

struct record {
    int64_t departure;
    uint32_t length;
    uint32_t unused;
};

struct link {
    char client_ns[64], client_dev[IFNAMSIZ], server_ns[64], server_dev[IFNAMSIZ];
    int client_fd, server_fd;
    struct direction dirs[2];
};

static struct link links[MAX_LINKS];
static int link_count;
static int64_t tick_ns = 100000;
/* The data threads run SCHED_FIFO at this priority (0: normal scheduling). A link is timing: on a machine busy with
 * builds, a normal thread's 25 ms sleep ended 0.3 ms late on average and up to 4-15 ms late, a real-time one 0.08
 * and 0.3. The kernel's own netem runs in softirq, above every task, so this is the same bargain; the kernel's
 * real-time throttling (95 % by default) still leaves the machine some time if a link is flooded. */
static int rt_priority = 10;
static _Atomic bool rt_warned;
static bool use_uring = true;
static _Atomic bool uring_warned;

/* ---------------------------------------------------------------------------------------------------------- */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Rounding by hand keeps the program free of libm, so a plain `gcc -O2 -pthread` builds it. */
static int64_t round_i64(double x) {
    return (int64_t)(x >= 0 ? x + 0.5 : x - 0.5);
}

static int64_t ceil_i64(double x) {
    int64_t i = (int64_t)x;
    return (double)i < x ? i + 1 : i;
}

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("wanemu: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A 53-bit draw compared with a threshold out of P_ONE: true with that probability. */
static bool chance(uint64_t *rng, uint64_t threshold) {
    return threshold && (splitmix64(rng) >> 11) < threshold;
}

/* ---- parsing ---------------------------------------------------------------------------------------------- */

/* Parsing never exits: it fills err with one sentence, so a bad run-time command leaves the emulator running. */
#define ERR(...) (snprintf(err, err_len, __VA_ARGS__), false)

static bool parse_number(const char *text, double *value, const char **unit) {
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    if (end == text || errno || !isfinite(*value) || *value < 0 || text[0] == '-' || text[0] == '+') return false;
    *unit = end;
    return true;
}

static bool parse_duration(const char *key, const char *text, int64_t *ns, char *err, size_t err_len) {
    double v;
    const char *unit;
    if (!parse_number(text, &v, &unit)) return ERR("%s '%s' is not a duration such as 25ms", key, text);
    double scale;
    if (!strcasecmp(unit, "us")) scale = 1e3;
    else if (!strcasecmp(unit, "ms")) scale = 1e6;
    else if (!strcasecmp(unit, "s")) scale = 1e9;
    else if (!*unit) return ERR("%s '%s' needs a unit: us, ms or s", key, text);
    else return ERR("%s '%s' has an unknown unit (use us, ms or s)", key, text);
    if (v * scale > 60e9) return ERR("%s '%s' is longer than the 60 s this emulator allows", key, text);
    *ns = (int64_t)round_i64(v * scale);
    return true;
}

static bool parse_percent(const char *key, const char *text, uint64_t *threshold, char *err, size_t err_len) {
    double v;
    const char *unit;
    if (!parse_number(text, &v, &unit) || strcmp(unit, "%"))
        return ERR("%s '%s' is not a percentage such as 1%%", key, text);
    if (v > 100) return ERR("%s '%s' is more than 100%%", key, text);
    *threshold = (uint64_t)round_i64(v / 100.0 * (double)P_ONE);
    return true;
}

/* The same units as netlab.sh (and tc): decimal and binary bits per second, and bytes per second. */
static bool parse_rate(const char *text, double *bps, char *err, size_t err_len) {
    if (!strcasecmp(text, "none")) {
        *bps = 0;
        return true;
    }
    static const struct { const char *unit; double factor; } units[] = {
        {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"kibit", 1024.0}, {"mibit", 1048576.0},
        {"gibit", 1073741824.0}, {"bps", 8}, {"kbps", 8e3}, {"mbps", 8e6}, {"gbps", 8e9},
    };
    double v;
    const char *unit;
    if (!parse_number(text, &v, &unit)) return ERR("rate '%s' is not a rate such as 100mbit (or none)", text);
    if (!*unit) return ERR("rate '%s' needs a unit, e.g. 100mbit", text);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!strcasecmp(unit, units[i].unit)) {
            *bps = v * units[i].factor;
            if (*bps < 8000) return ERR("rate '%s' is below the 8 kbit/s this emulator allows", text);
            if (*bps > 1e12) return ERR("rate '%s' is above the 1000 gbit/s this emulator allows", text);
            return true;
        }
    }
    return ERR("rate '%s' has an unknown unit (bit, kbit, mbit, gbit, kibit, mibit, gibit, bps, kbps, mbps, gbps)", text);
}

enum field { F_DELAY, F_JITTER, F_LOSS, F_GE, F_RATE, F_QUEUE, F_BLACKHOLE, F_SEED, F_COUNT };

/* A parsed SPEC: values for either direction, and which fields it sets. */
struct change {
    struct settings value[2];
    bool set[2][F_COUNT];
};

static bool parse_value(const char *key, const char *text, struct settings *s, enum field *field, char *err, size_t err_len) {
    if (!strcmp(key, "delay")) {
        *field = F_DELAY;
        return parse_duration(key, text, &s->delay_ns, err, err_len);
    }
    if (!strcmp(key, "jitter")) {
        *field = F_JITTER;
        return parse_duration(key, text, &s->jitter_ns, err, err_len);
    }
    if (!strcmp(key, "loss")) {
        *field = F_LOSS;
        return parse_percent(key, text, &s->loss, err, err_len);
    }
    if (!strcmp(key, "ge")) {
        *field = F_GE;
        if (!strcasecmp(text, "off")) {
            s->ge = false;
            return true;
        }
        char parts[4][32];
        const char *p = text;
        for (int i = 0; i < 4; i++) {
            const char *slash = strchr(p, '/');
            size_t n = slash ? (size_t)(slash - p) : strlen(p);
            if ((i < 3) != (slash != NULL) || n >= sizeof parts[i])
                return ERR("ge '%s' must be four percentages p/r/lossgood/lossbad, e.g. 1%%/30%%/0%%/50%%, or off", text);
            memcpy(parts[i], p, n);
            parts[i][n] = 0;
            p = slash ? slash + 1 : p + n;
        }
        static const char *const names[4] = {"ge p (good to bad)", "ge r (bad to good)", "ge loss in the good state", "ge loss in the bad state"};
        uint64_t *targets[4] = {&s->ge_p, &s->ge_r, &s->ge_good, &s->ge_bad};
        for (int i = 0; i < 4; i++)
            if (!parse_percent(names[i], parts[i], targets[i], err, err_len)) return false;
        if (!s->ge_p && !s->ge_r) return ERR("ge '%s' has p and r both 0%%: the state would never change", text);
        s->ge = true;
        return true;
    }
    if (!strcmp(key, "rate")) {
        *field = F_RATE;
        return parse_rate(text, &s->rate_bps, err, err_len);
    }
    if (!strcmp(key, "queue")) {
        *field = F_QUEUE;
        char *end;
        errno = 0;
        unsigned long long n = strtoull(text, &end, 10);
        if (end != text && !*end && text[0] != '-') {
            if (errno || n < 1 || n > 1000000) return ERR("queue '%s' must be 1 to 1000000 packets, or a time such as 100ms", text);
            s->queue_packets = (uint32_t)n;
            return true;
        }
        if (!parse_duration(key, text, &s->queue_ns, err, err_len)) return false;
        if (s->queue_ns <= 0) return ERR("queue '%s' must be longer than 0", text);
        s->queue_packets = 0;
        return true;
    }
    if (!strcmp(key, "blackhole")) {
        *field = F_BLACKHOLE;
        if (!strcasecmp(text, "on")) s->blackhole = true;
        else if (!strcasecmp(text, "off")) s->blackhole = false;
        else return ERR("blackhole '%s' must be on or off", text);
        return true;
    }
    if (!strcmp(key, "seed")) {
        *field = F_SEED;
        char *end;
        errno = 0;
        unsigned long long n = strtoull(text, &end, 10);
        if (end == text || *end || errno || text[0] == '-') return ERR("seed '%s' is not a whole number", text);
        s->seed = n;
        return true;
    }
    if (!strcmp(key, "mtu")) return ERR("mtu is a property of the devices: netlab.sh sets it, the emulator does not take it");
    return ERR("unknown key '%s' (delay, jitter, loss, ge, rate, queue, blackhole, seed)", key);
}

/* Parses SPEC; `dirs` says which directions an unprefixed key applies to (bit 0 up, bit 1 down). */
static bool parse_spec(const char *spec, unsigned dirs, struct change *c, char *err, size_t err_len) {
    memset(c, 0, sizeof *c);
    char buf[4096];
    if (strlen(spec) >= sizeof buf) return ERR("the link description is longer than %zu characters", sizeof buf - 1);
    strcpy(buf, spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t\n", &save); tok; tok = strtok_r(NULL, ", \t\n", &save)) {
        if (!strcmp(tok, "none")) continue;
        unsigned token_dirs = dirs;
        char *key = tok;
        if (!strncmp(tok, "up.", 3) || !strncmp(tok, "down.", 5)) {
            unsigned d = tok[0] == 'u' ? 1u : 2u;
            if (!(dirs & d)) return ERR("'%s' names a direction the command excludes", tok);
            token_dirs = d;
            key = strchr(tok, '.') + 1;
        }
        char *eq = strchr(key, '=');
        if (!eq || eq == key || !eq[1]) return ERR("'%s' is not key=value", tok);
        *eq = 0;
        for (int d = 0; d < 2; d++) {
            if (!(token_dirs & (1u << d))) continue;
            enum field f;
            if (!parse_value(key, eq + 1, &c->value[d], &f, err, err_len)) return false;
            c->set[d][f] = true;
        }
    }
    return true;
}

static void apply_change(struct settings *s, const struct change *c, int d) {
    const struct settings *v = &c->value[d];
    const bool *set = c->set[d];
    if (set[F_DELAY]) s->delay_ns = v->delay_ns;
    if (set[F_JITTER]) s->jitter_ns = v->jitter_ns;
    if (set[F_LOSS]) s->loss = v->loss;
    if (set[F_GE]) {
        s->ge = v->ge;
        s->ge_p = v->ge_p, s->ge_r = v->ge_r, s->ge_good = v->ge_good, s->ge_bad = v->ge_bad;
    }
    if (set[F_RATE]) s->rate_bps = v->rate_bps;
    if (set[F_QUEUE]) s->queue_packets = v->queue_packets, s->queue_ns = v->queue_ns;
    if (set[F_BLACKHOLE]) s->blackhole = v->blackhole;
    if (set[F_SEED]) s->seed = v->seed, s->seed_generation++;
}

static void default_settings(struct settings *s) {
    memset(s, 0, sizeof *s);
    s->queue_ns = 100000000;
    s->seed = 1;
}

/* ---- the ring ---------------------------------------------------------------------------------------------- */

/* Enough for everything one direction can hold at once: the delay and the jitter at its rate, plus its queue. */
static size_t ring_need(const struct settings *s) {
    double rate = s->rate_bps > 0 ? s->rate_bps : ASSUMED_MAX_BPS;
    double hold_ns = (double)s->delay_ns + (double)s->jitter_ns + 5e6;
    if (s->rate_bps > 0)
        hold_ns += s->queue_packets ? s->queue_packets * 1516.0 * 8e9 / rate : (double)s->queue_ns;
    /* 1.25: record headers and alignment on full-size packets. */
    double bytes = hold_ns / 1e9 * rate / 8 * 1.25 + 2.0 * RESERVE;
    if (bytes < (double)RING_MIN) return RING_MIN;
    if (bytes > (double)RING_MAX) return RING_MAX;
    return ((size_t)bytes + 4095) & ~(size_t)4095;
}

static uint8_t *map_bytes(size_t n) {
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail("cannot map %zu bytes for a link's queue: %s", n, strerror(errno));
    return p;
}

static size_t record_size(uint32_t length) {
    return RECORD_HEADER + (((size_t)length + 15) & ~(size_t)15);
}

/* Where the next packet may be read to (RESERVE contiguous bytes), or NULL when the ring is full. Records occupy
 * [head, tail) or, once wrapped, [head, wrap_at) and [0, tail); tail never catches up with head. */
static uint8_t *ring_reserve(struct direction *d) {
    if (d->count == 0) d->head = d->tail = 0, d->wrapped = false;
    if (!d->wrapped) {
        if (d->cap - d->tail >= RESERVE) return d->ring + d->tail;
        if (d->head > RESERVE) {
            d->wrap_at = d->tail;
            d->tail = 0;
            d->wrapped = true;
            return d->ring;
        }
        return NULL;
    }
    return d->head - d->tail > RESERVE ? d->ring + d->tail : NULL;
}

static void ring_pop(struct direction *d) {
    struct record *r = (struct record *)(d->ring + d->head);
    d->head += record_size(r->length);
    d->count--;
    if (d->wrapped && d->head == d->wrap_at) d->head = 0, d->wrapped = false;
}

/* Grows the ring (never shrinks it) keeping the queued packets in order; only the owning thread calls it. */
static void ring_grow(struct direction *d, size_t cap) {
    uint8_t *ring = map_bytes(cap);
    size_t at = 0, count = d->count;
    while (d->count) {
        struct record *r = (struct record *)(d->ring + d->head);
        size_t n = record_size(r->length);
        memcpy(ring + at, r, n);
        at += n;
        ring_pop(d);
    }
    if (d->ring) munmap(d->ring, d->cap);
    d->ring = ring, d->cap = cap, d->head = 0, d->tail = at, d->count = count, d->wrapped = false;
}

static void service_push(struct direction *d, int64_t done) {
    if (d->service_count == d->service_cap) {
        size_t cap = d->service_cap ? d->service_cap * 2 : 1024;
        int64_t *a = malloc(cap * sizeof *a);
        if (!a) fail("out of memory for a bottleneck queue of %zu packets", cap);
        for (size_t i = 0; i < d->service_count; i++) a[i] = d->in_service[(d->service_head + i) & (d->service_cap - 1)];
        free(d->in_service);
        d->in_service = a, d->service_cap = cap, d->service_head = 0;
    }
    d->in_service[(d->service_head + d->service_count++) & (d->service_cap - 1)] = done;
}

/* ---- the data path ----------------------------------------------------------------------------------------- */

static void reseed(struct direction *d) {
    /* Each direction of each link gets its own stream, so one link's traffic does not shift another's draws. */
    uint64_t mix = d->cfg.seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)(2 * d->link + d->dir + 1));
    d->rng = splitmix64(&mix);
    d->ge_bad_state = false;
    d->seen_seed_generation = d->cfg.seed_generation;
}

static void take_settings(struct direction *d) {
    double old_rate = d->cfg.rate_bps;
    pthread_mutex_lock(&d->lock);
    d->cfg = d->pending;
    d->seen_generation = atomic_load(&d->generation);
    pthread_mutex_unlock(&d->lock);
    if (d->cfg.seed_generation != d->seen_seed_generation) reseed(d);
    size_t need = ring_need(&d->cfg);
    if (need > d->cap) ring_grow(d, need);
    /* A bottleneck switched on starts idle; one switched off lets what it holds finish at the old times. */
    if (old_rate == 0 && d->cfg.rate_bps > 0) {
        double now = (double)now_ns();
        if (d->bottleneck_done < now) d->bottleneck_done = now;
    }
}

/* Decides the fate of a packet that arrived at `now`: its departure time, or -1 if it is dropped (counted). */
static int64_t admit(struct direction *d, uint32_t length, int64_t now, bool have_room) {
    const struct settings *s = &d->cfg;
    if (s->blackhole) {
        BUMP(d->stats.blackhole_drops, 1);
        return -1;
    }
    bool lost = chance(&d->rng, s->loss);
    if (s->ge) {
        if (d->ge_bad_state ? chance(&d->rng, s->ge_r) : chance(&d->rng, s->ge_p)) d->ge_bad_state = !d->ge_bad_state;
        if (chance(&d->rng, d->ge_bad_state ? s->ge_bad : s->ge_good)) lost = true;
    }
    if (lost) {
        BUMP(d->stats.loss_drops, 1);
        return -1;
    }
    if (!have_room) {
        BUMP(d->stats.full_drops, 1);
        return -1;
    }
    double t = (double)now;
    if (s->rate_bps > 0) {
        while (d->service_count && d->in_service[d->service_head] <= now) {
            d->service_head = (d->service_head + 1) & (d->service_cap - 1);
            d->service_count--;
        }
        double serialize = length * 8e9 / s->rate_bps;
        double backlog = d->bottleneck_done - t;
        bool full = s->queue_packets ? d->service_count >= s->queue_packets
                                     : backlog > 0 && backlog + serialize > (double)s->queue_ns;
        if (full) {
            BUMP(d->stats.queue_drops, 1);
            return -1;
        }
        d->bottleneck_done = (backlog > 0 ? d->bottleneck_done : t) + serialize;
        t = d->bottleneck_done;
        service_push(d, ceil_i64(t));
    }
    int64_t delay = s->delay_ns;
    if (s->jitter_ns > 0) {
        /* Uniform on [delay - jitter, delay + jitter]: 53 random bits scaled to the span. */
        double u = (double)(splitmix64(&d->rng) >> 11) / (double)P_ONE;
        delay += (int64_t)round_i64((2 * u - 1) * (double)s->jitter_ns);
        if (delay < 0) delay = 0;
    }
    int64_t departure = ceil_i64(t) + delay;
    if (departure < d->last_departure) departure = d->last_departure;
    d->last_departure = departure;
    return departure;
}

/* How late the emulator itself was (a wake-up after its deadline): its own accuracy, in the stats. */
static void note_lateness(struct direction *d, int64_t late) {
    if (late <= 0) return;
    BUMP(d->stats.late_ns, (uint64_t)late);
    if ((uint64_t)late > READ(d->stats.late_max_ns)) atomic_store_explicit(&d->stats.late_max_ns, (uint64_t)late, memory_order_relaxed);
}

/* Sends what is due; returns how many were handled (delivered or dropped). */
static int deliver(struct direction *d, int64_t now, int64_t early) {
    int n = 0;
    while (d->count && n < BATCH) {
        struct record *r = (struct record *)(d->ring + d->head);
        if (r->departure > now + early) break;
        if (d->cfg.blackhole) {
            BUMP(d->stats.blackhole_drops, 1);
        } else if (write(d->out_fd, r + 1, r->length) == (ssize_t)r->length) {
            BUMP(d->stats.delivered_packets, 1);
            BUMP(d->stats.delivered_bytes, r->length);
            note_lateness(d, now - r->departure);
        } else {
            /* The far device is down (netlab.sh link down) or refused the packet: it is lost, as on a dead link. */
            BUMP(d->stats.error_drops, 1);
        }
        ring_pop(d);
        n++;
    }
    return n;
}

/* Takes one packet that arrived at `now` (already in its ring slot if `data` is the reserved slot's payload, else
 * copied there): counts it, and queues it or drops it. */
static void accept_packet(struct direction *d, const uint8_t *data, uint32_t length, int64_t now) {
    BUMP(d->stats.rx_packets, 1);
    BUMP(d->stats.rx_bytes, length);
    if (length > READ(d->stats.max_packet)) atomic_store_explicit(&d->stats.max_packet, length, memory_order_relaxed);
    if (d->count && now - ((struct record *)(d->ring + d->head))->departure > OVERLOAD_NS) {
        BUMP(d->stats.overload_drops, 1);
        return;
    }
    uint8_t *slot = ring_reserve(d);
    int64_t departure = admit(d, length, now, slot != NULL);
    if (departure < 0) return;
    struct record *r = (struct record *)slot;
    if (data != slot + RECORD_HEADER) memcpy(slot + RECORD_HEADER, data, length);
    r->departure = departure;
    r->length = length;
    d->tail += record_size(length);
    d->count++;
}

/* Reads what is waiting, up to BATCH, one system call each; returns how many packets were read. */
static int receive(struct direction *d) {
    int n = 0;
    while (n < BATCH) {
        /* Straight into the ring where there is room, so a kept packet is not copied again. */
        uint8_t *slot = ring_reserve(d);
        uint8_t *to = slot ? slot + RECORD_HEADER : d->scratch;
        ssize_t got = read(d->in_fd, to, MAX_PACKET);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            fail("link %d %s: reading its device failed (%s); was the lab taken down?", d->link, DIR_NAME[d->dir], strerror(errno));
        }
        n++;
        accept_packet(d, to, (uint32_t)got, now_ns());
    }
    return n;
}

/* ---- batching with io_uring ------------------------------------------------------------------------------ */

/* A TUN device takes one packet per read and per write, and on this kind of virtual machine entering and leaving
 * the kernel was a third of the emulator's CPU at 1 Gbit/s (perf: pvm_irq_enable). io_uring puts a turn's writes
 * and reads into one system call. The descriptors are non-blocking, so every operation completes inside that call
 * (a read with nothing to read ends with -EAGAIN), in the order submitted: packets keep their order both ways. */
struct uring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    unsigned pending;
};

#define IN_SLOT 0
#define OUT_SLOT 1
#define WRITE_TAG (1ULL << 32)

static struct uring *uring_open(int in_fd, int out_fd) {
    struct io_uring_params p;
    int fd = -1;
    /* The newer flags (one submitting thread, completions without interrupting it) only where the kernel has them. */
    static const unsigned flag_sets[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0};
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0] && fd < 0; i++) {
        memset(&p, 0, sizeof p);
        p.flags = flag_sets[i];
        fd = (int)syscall(__NR_io_uring_setup, 2 * BATCH + READ_BATCH, &p);
    }
    if (fd < 0) return NULL;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
    uint8_t *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    uint8_t *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq
        : mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    /* Registered descriptors spare each operation a look-up in the file table. */
    int files[2] = {in_fd, out_fd};
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED ||
        syscall(__NR_io_uring_register, fd, IORING_REGISTER_FILES, files, 2) < 0) {
        close(fd);
        return NULL;
    }
    struct uring *u = calloc(1, sizeof *u);
    if (!u) fail("out of memory");
    u->fd = fd;
    u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    u->sq_array = (unsigned *)(sq + p.sq_off.array);
    u->cq_head = (unsigned *)(cq + p.cq_off.head);
    u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    u->sqes = sqes;
    return u;
}

static void uring_queue(struct uring *u, uint8_t op, int slot, void *buf, uint32_t len, uint64_t tag) {
    unsigned tail = *u->sq_tail + u->pending;
    unsigned index = tail & *u->sq_mask;
    struct io_uring_sqe *sqe = &u->sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = op;
    sqe->flags = IOSQE_FIXED_FILE;
    sqe->fd = slot;
    sqe->off = (uint64_t)-1;
    sqe->addr = (uint64_t)(uintptr_t)buf;
    sqe->len = len;
    sqe->user_data = tag;
    /* Without it a read that finds nothing waits for a packet (io_uring polls the device) instead of ending with
     * -EAGAIN, and the turn would wait with it. */
    if (op == IORING_OP_READ) sqe->rw_flags = RWF_NOWAIT;
    u->sq_array[index] = index;
    u->pending++;
}

/* One turn with io_uring: writes what is due, reads what has arrived, in one system call. */
static void turn_uring(struct direction *d, int64_t early, int *sent, int *got) {
    struct uring *u = d->uring;
    int64_t now = now_ns();
    *sent = 0;
    while (d->count && *sent < BATCH) {
        struct record *r = (struct record *)(d->ring + d->head);
        if (r->departure > now + early) break;
        if (d->cfg.blackhole) {
            BUMP(d->stats.blackhole_drops, 1);
        } else {
            note_lateness(d, now - r->departure);
            /* The record's bytes stay put until this turn's system call has written them: nothing is read into
             * the ring before it returns. */
            uring_queue(u, IORING_OP_WRITE, OUT_SLOT, r + 1, r->length, WRITE_TAG | r->length);
        }
        ring_pop(d);
        (*sent)++;
    }
    int reads = d->read_batch;
    for (int i = 0; i < reads; i++) uring_queue(u, IORING_OP_READ, IN_SLOT, d->staging + (size_t)i * MAX_PACKET, MAX_PACKET, (uint64_t)i);
    unsigned n = u->pending;
    atomic_store_explicit((_Atomic unsigned *)u->sq_tail, *u->sq_tail + n, memory_order_release);
    u->pending = 0;
    for (unsigned done = 0; done < n;) {
        long r = syscall(__NR_io_uring_enter, u->fd, n - done, n - done, IORING_ENTER_GETEVENTS, NULL, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            fail("io_uring_enter failed: %s", strerror(errno));
        }
        done += (unsigned)r;
        if (r == 0) break;
    }
    int32_t lengths[READ_BATCH];
    for (int i = 0; i < reads; i++) lengths[i] = -EAGAIN;
    unsigned head = *u->cq_head;
    unsigned tail = atomic_load_explicit((_Atomic unsigned *)u->cq_tail, memory_order_acquire);
    for (; head != tail; head++) {
        struct io_uring_cqe *cqe = &u->cqes[head & *u->cq_mask];
        if (cqe->user_data & WRITE_TAG) {
            uint32_t length = (uint32_t)cqe->user_data;
            if (cqe->res == (int32_t)length) {
                BUMP(d->stats.delivered_packets, 1);
                BUMP(d->stats.delivered_bytes, length);
            } else {
                BUMP(d->stats.error_drops, 1);
            }
        } else if (cqe->user_data < READ_BATCH) {
            lengths[cqe->user_data] = cqe->res;
        }
    }
    atomic_store_explicit((_Atomic unsigned *)u->cq_head, head, memory_order_release);

    /* Reads ran in the order queued, so index order is arrival order. */
    now = now_ns();
    *got = 0;
    for (int i = 0; i < reads; i++) {
        if (lengths[i] < 0) {
            if (lengths[i] != -EAGAIN && lengths[i] != -EINTR)
                fail("link %d %s: reading its device failed (%s); was the lab taken down?", d->link, DIR_NAME[d->dir], strerror(-lengths[i]));
            continue;
        }
        (*got)++;
        accept_packet(d, d->staging + (size_t)i * MAX_PACKET, (uint32_t)lengths[i], now);
    }
    /* Ask for as many reads next time as there were packets, and more while every read found one. */
    d->read_batch = *got == reads ? (reads * 2 < READ_BATCH ? reads * 2 : READ_BATCH) : (*got + 2 < READ_BATCH ? *got + 2 : READ_BATCH);
}

static void *run_direction(void *arg) {
    struct direction *d = arg;
    struct pollfd fds[2] = {{.fd = d->in_fd, .events = POLLIN}, {.fd = d->wake_fd, .events = POLLIN}};
    if (rt_priority > 0) {
        struct sched_param sp = {.sched_priority = rt_priority};
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e && !atomic_exchange(&rt_warned, true))
            fprintf(stderr, "wanemu: running at normal priority, so delays may run late on a busy machine (SCHED_FIFO: %s)\n", strerror(e));
    }
    if (use_uring) {
        d->uring = uring_open(d->in_fd, d->out_fd);
        if (d->uring) {
            d->staging = map_bytes((size_t)READ_BATCH * MAX_PACKET);
            d->read_batch = 2;
        } else if (!atomic_exchange(&uring_warned, true)) {
            fprintf(stderr, "wanemu: io_uring is not available (%s): one system call per packet instead\n", strerror(errno));
        }
    }
    bool busy = false;
    for (;;) {
        if (atomic_load_explicit(&d->generation, memory_order_acquire) != d->seen_generation) take_settings(d);
        /* A sleep ends late by about wake_late_ns (the scheduler, a virtual CPU waking from idle), so the thread
         * sleeps that much less and sends what is due within it: on average a packet leaves on time instead of
         * 0.1-0.2 ms late, which a 1 ms accuracy on the round trip cannot spare twice. A busy direction wakes once
         * a tick and sends what falls due within half a tick either side. */
        int64_t early = d->wake_late_ns > EARLY_NS ? d->wake_late_ns : EARLY_NS;
        if (busy && tick_ns / 2 > early) early = tick_ns / 2;
        int sent, got;
        if (d->uring) {
            turn_uring(d, early, &sent, &got);
        } else {
            sent = deliver(d, now_ns(), early);
            got = receive(d);
        }
        atomic_store_explicit(&d->stats.queued, d->count, memory_order_relaxed);
        if (sent == BATCH || got == BATCH || (d->uring && got == READ_BATCH)) continue;
        /* Busy: packets moved in this turn. Each timed sleep costs a timer armed and cancelled, which on this kind
         * of virtual machine was half the emulator's time when it slept until every departure (83,000 a second
         * at 1 Gbit/s); on a tick it wakes 10,000 times a second however many packets it moves. */
        busy = tick_ns > 0 && (sent > 0 || got > 0);
        int64_t now = now_ns();
        int64_t wait = -1;
        bool timed = false;
        if (busy) {
            wait = tick_ns;
        } else if (d->count) {
            wait = ((struct record *)(d->ring + d->head))->departure - early - now;
            if (wait <= 0) continue;
            timed = true;
        }
        struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        /* While busy the input is not watched: what arrives during the tick is read at its end, all at once. */
        fds[0].events = busy ? 0 : POLLIN;
        int r = ppoll(fds, 2, wait >= 0 ? &ts : NULL, NULL);
        if (r < 0 && errno != EINTR) fail("poll failed: %s", strerror(errno));
        if (r == 0 && timed) {
            int64_t late = now_ns() - (now + wait);
            if (late < 0) late = 0;
            d->wake_late_ns += (late - d->wake_late_ns) / 8;
            if (d->wake_late_ns > MAX_EARLY_NS) d->wake_late_ns = MAX_EARLY_NS;
        }
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
            fail("link %d %s: its device went away; was the lab taken down?", d->link, DIR_NAME[d->dir]);
        if (fds[1].revents & POLLIN) {
            uint64_t v;
            if (read(d->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN) fail("reading a wake-up failed: %s", strerror(errno));
        }
    }
    return NULL;
}

/* ---- setting up -------------------------------------------------------------------------------------------- */

static int open_tun_in(const char *ns, const char *dev) {
    char path[128];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) fail("cannot open network namespace %s (%s): %s", ns, path, strerror(errno));
    if (setns(nsfd, CLONE_NEWNET) < 0) fail("cannot enter network namespace %s: %s", ns, strerror(errno));
    close(nsfd);
    /* TUNSETIFF would make a device that is missing: a mistyped name must fail instead of relaying to nothing. */
    if (if_nametoindex(dev) == 0) fail("there is no device %s in network namespace %s", dev, ns);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) fail("cannot open /dev/net/tun: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    /* No IFF_VNET_HDR: without it the kernel segments before the device, so every packet read is at most the
     * MTU, and loss, rate and queue act on real packets rather than 64 KiB superpackets. */
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) fail("cannot attach to TUN device %s in %s: %s", dev, ns, strerror(errno));
    return fd;
}

static void split_endpoint(const char *arg, char *ns, size_t ns_len, char *dev) {
    const char *slash = strchr(arg, '/');
    size_t n = slash ? (size_t)(slash - arg) : 0;
    if (!slash || n == 0 || n >= ns_len || !slash[1] || strlen(slash + 1) >= IFNAMSIZ || strchr(slash + 1, '/')) {
        fprintf(stderr, "wanemu: '%s' is not NAMESPACE/DEVICE\n", arg);
        exit(CONFIG_ERROR);
    }
    memcpy(ns, arg, n);
    ns[n] = 0;
    strcpy(dev, slash + 1);
}

static void start_direction(struct link *l, int index, int dir, const struct settings *s) {
    struct direction *d = &l->dirs[dir];
    d->link = index, d->dir = dir;
    d->in_fd = dir == 0 ? l->client_fd : l->server_fd;
    d->out_fd = dir == 0 ? l->server_fd : l->client_fd;
    d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->wake_fd < 0) fail("eventfd: %s", strerror(errno));
    pthread_mutex_init(&d->lock, NULL);
    d->pending = *s;
    d->seen_seed_generation = UINT64_MAX;
    atomic_store(&d->generation, 1);
    d->scratch = map_bytes(MAX_PACKET);
    int e = pthread_create(&d->thread, NULL, run_direction, d);
    if (e) fail("cannot start a thread: %s", strerror(e));
    char name[16];
    snprintf(name, sizeof name, "wan%d-%s", index, DIR_NAME[dir]);
    pthread_setname_np(d->thread, name);
}

/* ---- control ----------------------------------------------------------------------------------------------- */

static void format_duration(char *out, size_t n, int64_t ns) {
    snprintf(out, n, "%gms", (double)ns / 1e6);
}

static void format_percent(char *out, size_t n, uint64_t threshold) {
    snprintf(out, n, "%g%%", (double)threshold / (double)P_ONE * 100);
}

static void show(FILE *out, const struct direction *d, const struct settings *s) {
    char delay[32], jitter[32], loss[32], queue[32], rate[32], ge[160];
    format_duration(delay, sizeof delay, s->delay_ns);
    format_duration(jitter, sizeof jitter, s->jitter_ns);
    format_percent(loss, sizeof loss, s->loss);
    if (s->queue_packets) snprintf(queue, sizeof queue, "%u", s->queue_packets);
    else format_duration(queue, sizeof queue, s->queue_ns);
    if (s->rate_bps > 0) snprintf(rate, sizeof rate, "%.0fbit", s->rate_bps);
    else strcpy(rate, "none");
    if (s->ge) {
        char p[32], r[32], g[32], b[32];
        format_percent(p, sizeof p, s->ge_p), format_percent(r, sizeof r, s->ge_r);
        format_percent(g, sizeof g, s->ge_good), format_percent(b, sizeof b, s->ge_bad);
        snprintf(ge, sizeof ge, "%s/%s/%s/%s", p, r, g, b);
    } else {
        strcpy(ge, "off");
    }
    fprintf(out, "link=%d dir=%s delay=%s jitter=%s loss=%s ge=%s rate=%s queue=%s blackhole=%s seed=%llu\n",
            d->link, DIR_NAME[d->dir], delay, jitter, loss, ge, rate, queue, s->blackhole ? "on" : "off",
            (unsigned long long)s->seed);
}

static void stats(FILE *out, struct direction *d) {
    struct counters *c = &d->stats;
    fprintf(out,
            "link=%d dir=%s rx_packets=%llu rx_bytes=%llu loss_drops=%llu queue_drops=%llu blackhole_drops=%llu "
            "full_drops=%llu overload_drops=%llu error_drops=%llu delivered_packets=%llu delivered_bytes=%llu queued=%llu max_packet=%llu "
            "late_us_total=%llu late_us_max=%llu\n",
            d->link, DIR_NAME[d->dir], (unsigned long long)READ(c->rx_packets), (unsigned long long)READ(c->rx_bytes),
            (unsigned long long)READ(c->loss_drops), (unsigned long long)READ(c->queue_drops),
            (unsigned long long)READ(c->blackhole_drops), (unsigned long long)READ(c->full_drops),
            (unsigned long long)READ(c->overload_drops),
            (unsigned long long)READ(c->error_drops), (unsigned long long)READ(c->delivered_packets),
            (unsigned long long)READ(c->delivered_bytes), (unsigned long long)READ(c->queued),
            (unsigned long long)READ(c->max_packet), (unsigned long long)(READ(c->late_ns) / 1000),
            (unsigned long long)(READ(c->late_max_ns) / 1000));
}

/* Runs one command line; writes the answer to out. Returns false (with a one-sentence answer) on a bad command. */
static bool command(char *line, FILE *out) {
    char err[256];
    size_t err_len = sizeof err;
    char *save = NULL;
    char *word = strtok_r(line, " \t\r\n", &save);
    if (!word) return fprintf(out, "error: empty command\n"), false;
    if (!strcmp(word, "ping")) return fprintf(out, "pong\n"), true;
    if (!strcmp(word, "stats") || !strcmp(word, "show")) {
        for (int i = 0; i < link_count; i++)
            for (int dir = 0; dir < 2; dir++) {
                struct direction *d = &links[i].dirs[dir];
                if (word[1] == 't') {
                    stats(out, d);
                } else {
                    pthread_mutex_lock(&d->lock);
                    struct settings s = d->pending;
                    pthread_mutex_unlock(&d->lock);
                    show(out, d, &s);
                }
            }
        return true;
    }
    if (strcmp(word, "link")) return fprintf(out, "error: unknown command '%s' (link, stats, show, ping)\n", word), false;
    char *which = strtok_r(NULL, " \t\r\n", &save);
    if (!which) return fprintf(out, "error: link needs a link number or all\n"), false;
    int first = 0, last = link_count - 1;
    if (strcmp(which, "all")) {
        char *end;
        long n = strtol(which, &end, 10);
        if (*end || end == which || n < 0 || n >= link_count)
            return fprintf(out, "error: there is no link '%s' (links are 0 to %d, or all)\n", which, link_count - 1), false;
        first = last = (int)n;
    }
    unsigned dirs = 3;
    char *rest = save ? save + strspn(save, " \t") : NULL;
    if (rest) {
        size_t n = strcspn(rest, " \t\r\n");
        if ((n == 2 && !strncmp(rest, "up", 2)) || (n == 4 && !strncmp(rest, "down", 4)) || (n == 4 && !strncmp(rest, "both", 4))) {
            dirs = rest[0] == 'u' ? 1 : rest[0] == 'd' ? 2 : 3;
            rest += n;
        }
    }
    struct change c;
    if (!parse_spec(rest ? rest : "", dirs, &c, err, err_len)) return fprintf(out, "error: %s\n", err), false;
    for (int i = first; i <= last; i++)
        for (int dir = 0; dir < 2; dir++) {
            struct direction *d = &links[i].dirs[dir];
            pthread_mutex_lock(&d->lock);
            apply_change(&d->pending, &c, dir);
            atomic_fetch_add_explicit(&d->generation, 1, memory_order_release);
            pthread_mutex_unlock(&d->lock);
            uint64_t one = 1;
            if (write(d->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN) fail("waking a link failed: %s", strerror(errno));
        }
    fprintf(out, "ok\n");
    return true;
}

static void serve_client(int fd) {
    char line[4096];
    size_t n = 0;
    /* One command per connection; a client that never finishes its line is not allowed to hold the emulator. */
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (n < sizeof line - 1) {
        ssize_t got = read(fd, line + n, sizeof line - 1 - n);
        if (got <= 0) break;
        n += (size_t)got;
        if (memchr(line, '\n', n)) break;
    }
    line[n] = 0;
    char *answer = NULL;
    size_t answer_len = 0;
    FILE *out = open_memstream(&answer, &answer_len);
    if (!out) fail("open_memstream: %s", strerror(errno));
    command(line, out);
    fclose(out);
    for (size_t done = 0; done < answer_len;) {
        ssize_t w = write(fd, answer + done, answer_len - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    free(answer);
}

static int control(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: wanemu ctl SOCKET COMMAND...\n");
        return CONFIG_ERROR;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[2]) >= sizeof addr.sun_path) fail("socket path %s is too long", argv[2]);
    strcpy(addr.sun_path, argv[2]);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        fail("no emulator answers on %s: %s", argv[2], strerror(errno));
    char line[4096] = "";
    for (int i = 3; i < argc; i++) {
        if (strlen(line) + strlen(argv[i]) + 2 >= sizeof line) fail("the command is too long");
        if (i > 3) strcat(line, " ");
        strcat(line, argv[i]);
    }
    strcat(line, "\n");
    if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) fail("cannot send to %s: %s", argv[2], strerror(errno));
    shutdown(fd, SHUT_WR);
    char buf[65536];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof buf - 1 && (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)got;
    buf[n] = 0;
    if (!strncmp(buf, "error: ", 7)) {
        fprintf(stderr, "wanemu: %s", buf + 7);
        return CONFIG_ERROR;
    }
    if (n == 0) fail("the emulator on %s closed without answering", argv[2]);
    fputs(buf, stdout);
    return 0;
}

static int check(int argc, char **argv) {
    struct change c;
    char err[256];
    for (int i = 2; i < argc; i++) {
        if (!parse_spec(argv[i], 3, &c, err, sizeof err)) {
            fprintf(stderr, "wanemu: %s\n", err);
            return CONFIG_ERROR;
        }
    }
    return 0;
}

static void usage(void) {
    fputs("usage: wanemu run --socket PATH --pidfile PATH [--rt-priority N] [--tick-us N] [--no-io-uring]\n"
          "                  --link CLIENT_NS/DEV SERVER_NS/DEV SPEC [--link ...]\n"
          "       wanemu ctl SOCKET COMMAND...\n"
          "       wanemu check SPEC...\n",
          stderr);
    exit(CONFIG_ERROR);
}

static int run(int argc, char **argv) {
    const char *socket_path = NULL, *pidfile = NULL;
    char err[256];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
            socket_path = argv[++i];
        } else if (!strcmp(argv[i], "--pidfile") && i + 1 < argc) {
            pidfile = argv[++i];
        } else if (!strcmp(argv[i], "--rt-priority") && i + 1 < argc) {
            char *end;
            long p = strtol(argv[++i], &end, 10);
            if (*end || p < 0 || p > 99) {
                fprintf(stderr, "wanemu: --rt-priority takes 0 (normal scheduling) to 99\n");
                return CONFIG_ERROR;
            }
            rt_priority = (int)p;
        } else if (!strcmp(argv[i], "--no-io-uring")) {
            use_uring = false;
        } else if (!strcmp(argv[i], "--tick-us") && i + 1 < argc) {
            char *end;
            long us = strtol(argv[++i], &end, 10);
            if (*end || us < 0 || us > 10000) {
                fprintf(stderr, "wanemu: --tick-us takes 0 to 10000 microseconds\n");
                return CONFIG_ERROR;
            }
            tick_ns = us * 1000;
        } else if (!strcmp(argv[i], "--link") && i + 3 < argc) {
            if (link_count == MAX_LINKS) {
                fprintf(stderr, "wanemu: at most %d links\n", MAX_LINKS);
                return CONFIG_ERROR;
            }
            struct link *l = &links[link_count];
            split_endpoint(argv[i + 1], l->client_ns, sizeof l->client_ns, l->client_dev);
            split_endpoint(argv[i + 2], l->server_ns, sizeof l->server_ns, l->server_dev);
            struct change c;
            if (!parse_spec(argv[i + 3], 3, &c, err, sizeof err)) {
                fprintf(stderr, "wanemu: link %d: %s\n", link_count, err);
                return CONFIG_ERROR;
            }
            /* Both directions start from the same defaults; the change says where they differ. */
            struct settings up, down;
            default_settings(&up);
            default_settings(&down);
            apply_change(&up, &c, 0);
            apply_change(&down, &c, 1);
            l->dirs[0].pending = up;
            l->dirs[1].pending = down;
            link_count++;
            i += 3;
        } else {
            usage();
        }
    }
    if (!socket_path || !pidfile || link_count == 0) usage();

    /* Signals are taken by the main thread through a signalfd; every thread inherits the blocked mask. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (sigfd < 0) fail("signalfd: %s", strerror(errno));
    /* Sleeps end within a microsecond of their deadline instead of the default 50: the delay is the product. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) fail("cannot open this process's network namespace: %s", strerror(errno));
    for (int i = 0; i < link_count; i++) {
        struct link *l = &links[i];
        l->client_fd = open_tun_in(l->client_ns, l->client_dev);
        l->server_fd = open_tun_in(l->server_ns, l->server_dev);
    }
    /* The TUN descriptors keep their devices whatever namespace this thread is in; the control socket is a path. */
    if (setns(home, CLONE_NEWNET) < 0) fail("cannot return to the original network namespace: %s", strerror(errno));
    close(home);

    for (int i = 0; i < link_count; i++) {
        struct settings up = links[i].dirs[0].pending, down = links[i].dirs[1].pending;
        start_direction(&links[i], i, 0, &up);
        start_direction(&links[i], i, 1, &down);
    }

    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path) fail("socket path %s is too long", socket_path);
    strcpy(addr.sun_path, socket_path);
    unlink(socket_path);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 16) < 0)
        fail("cannot listen on %s: %s", socket_path, strerror(errno));
    FILE *pf = fopen(pidfile, "w");
    if (!pf) fail("cannot write %s: %s", pidfile, strerror(errno));
    fprintf(pf, "%d\n", (int)getpid());
    fclose(pf);
    fprintf(stderr, "wanemu: %d link%s up, control on %s\n", link_count, link_count == 1 ? "" : "s", socket_path);

    struct pollfd fds[2] = {{.fd = listener, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll: %s", strerror(errno));
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo info;
            if (read(sigfd, &info, sizeof info) < 0) fail("reading a signal failed: %s", strerror(errno));
            unlink(socket_path);
            unlink(pidfile);
            fprintf(stderr, "wanemu: stopped by signal %u\n", info.ssi_signo);
            /* The data threads hold nothing that needs flushing: leaving drops what is in flight, as a cut link would. */
            _exit(0);
        }
        if (fds[0].revents & POLLIN) {
            int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (client >= 0) {
                serve_client(client);
                close(client);
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    if (!strcmp(argv[1], "run")) return run(argc, argv);
    if (!strcmp(argv[1], "ctl")) return control(argc, argv);
    if (!strcmp(argv[1], "check")) return check(argc, argv);
    usage();
}
