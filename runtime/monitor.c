/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * monitor.c - stream the jails' events (monitor.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../bpf/templates/jail_abi.h"
#include "cgroup.h"
#include "json.h"
#include "loader.h"
#include "monitor.h"
#include "names.h"
#include "pins.h"
#include "sha256.h"
#include "store.h"

#define SAY "jail-ai-block: monitor: "

/* Policies seen, by tag; a miss is kept too, so it is said once. */
#define CACHE_MAX 64

struct cached_policy {
	uint64_t tag;
	bool ok;
	struct pol_tables t;
};

/* Drops already reported, per jail. */
#define DROPS_MAX 256

struct drops {
	uint64_t id, dropped;
};

struct monitor {
	const struct jp_monitor_opts *o;
	struct cached_policy cache[CACHE_MAX];
	size_t n_cache;
	struct drops drops[DROPS_MAX];
	size_t n_drops;
	int64_t boot_to_real; /* ns to add to CLOCK_BOOTTIME for CLOCK_REALTIME */
	uint64_t seen;
	bool done;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sync_clocks(struct monitor *m)
{
	m->boot_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

/* The one reader: an flock that names its holder. */
static int take_lock(void)
{
	char buf[32];
	ssize_t n;
	int fd;

	int ret;

	if (mkdir("/run/jailpol", 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		fprintf(stderr, SAY "cannot create '/run/jailpol': %s\n", strerror(-ret));
		return ret;
	}
	fd = open(JP_MONITOR_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, SAY "cannot open '%s': %s\n", JP_MONITOR_LOCK, strerror(-ret));
		return ret;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;

		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (ret == -EWOULDBLOCK)
			fprintf(stderr,
				SAY
				"another monitor (pid %s) is reading the events; the kernel "
				"hands each event to one reader, so one monitor runs at a time\n",
				buf[0] ? buf : "?");
		else
			fprintf(stderr, SAY "cannot lock '%s': %s\n", JP_MONITOR_LOCK,
				strerror(-ret));
		close(fd);
		return ret;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		fprintf(stderr, SAY "cannot write '%s': %s, ignoring\n", JP_MONITOR_LOCK,
			strerror(errno));
	return fd;
}

static const struct pol_tables *policy_of(struct monitor *m, uint64_t tag)
{
	struct cached_policy *c;
	char err[1024];
	size_t i;

	for (i = 0; i < m->n_cache; i++)
		if (m->cache[i].tag == tag)
			return m->cache[i].ok ? &m->cache[i].t : NULL;
	if (m->n_cache == CACHE_MAX) {
		/* Forget the oldest. */
		if (m->cache[0].ok)
			pol_tables_free(&m->cache[0].t);
		memmove(&m->cache[0], &m->cache[1], sizeof(m->cache[0]) * (CACHE_MAX - 1));
		m->n_cache--;
	}
	c = &m->cache[m->n_cache++];
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->ok = !jp_store_get(tag, &c->t, err, sizeof(err));
	if (!c->ok)
		fprintf(stderr, SAY "%s: its rules are shown by number\n", err);
	return c->ok ? &c->t : NULL;
}

/* bytes as text: printable ASCII but '\\' and '"' as is, the rest \xNN. */
static void escape(char *out, size_t len, const uint8_t *p, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 5 < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", p[i]);
	}
	out[o] = '\0';
}

static size_t comm_len(const struct jail_event *e)
{
	size_t n = 0;

	while (n < sizeof(e->comm) && e->comm[n])
		n++;
	return n;
}

/* "addr" or "[addr]:port", "unix NAME", "raw socket". */
static void format_dest(char *out, size_t len, const struct jail_event *e)
{
	char a[INET6_ADDRSTRLEN], name[4 * sizeof(e->name) + 2];
	size_t n;

	if (e->hook == JAIL_EV_CONNECT_UNIX || e->hook == JAIL_EV_SENDMSG_UNIX) {
		n = e->name_len < sizeof(e->name) ? e->name_len : sizeof(e->name);
		/* An abstract name starts with a NUL: written '@'. */
		if (n && !e->name[0]) {
			name[0] = '@';
			escape(name + 1, sizeof(name) - 1, e->name + 1, n - 1);
		} else {
			escape(name, sizeof(name), e->name, n);
		}
		snprintf(out, len, "%s", name);
		return;
	}
	if (e->hook == JAIL_EV_SOCK_CREATE) {
		snprintf(out, len, "%s socket", pol_sock_kind_name(e->sock_kind));
		return;
	}
	inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, a, sizeof(a));
	if (e->proto == POL_PROTO_OTHER)
		snprintf(out, len, "%s", a);
	else if (e->family == 4)
		snprintf(out, len, "%s:%u", a, e->port);
	else
		snprintf(out, len, "[%s]:%u", a, e->port);
}

static const char *event_kind(const struct jail_event *e)
{
	if (e->hook == JAIL_EV_CONNECT_UNIX || e->hook == JAIL_EV_SENDMSG_UNIX)
		return "unix";
	if (e->hook == JAIL_EV_SOCK_CREATE)
		return "socket";
	return pol_proto_name(e->proto);
}

static void format_time(char *out, size_t len, const struct monitor *m, uint64_t boot_ns)
{
	int64_t real = (int64_t)boot_ns + m->boot_to_real;
	time_t s = (time_t)(real / 1000000000);
	struct tm tm;
	char date[32];

	gmtime_r(&s, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%06dZ", date, (int)(real % 1000000000 / 1000));
}

static void cgroup_path(const struct monitor *m, uint64_t id, char *out, size_t len)
{
	if (!id || jp_cgroup_by_id(m->o->mount, id, out, len))
		snprintf(out, len, "?");
}

static const char *verdict_word(const struct jail_event *e)
{
	if (e->flags & JAIL_EVF_AUDIT)
		return "audit-deny";
	return pol_verdict_name(e->verdict);
}

static void print_json(const struct jail_event *e, const struct pol_tables *t, const char *when,
		       const char *dest, const char *jail, const char *cg)
{
	char comm[sizeof(e->comm) + 1], a[INET6_ADDRSTRLEN], tag[17];
	struct pol_json j;

	pol_json_init(&j, stdout);
	pol_json_object_begin(&j);
	pol_json_str_field(&j, "time", when);
	pol_json_str_field(&j, "verdict", pol_verdict_name(e->verdict));
	pol_json_bool_field(&j, "enforced", !(e->flags & JAIL_EVF_AUDIT));
	pol_json_str_field(&j, "mode", e->flags & JAIL_EVF_AUDIT ? "audit" : "enforce");
	pol_json_str_field(&j, "hook", jp_hook_name(e->hook));
	pol_json_str_field(&j, "jail", jail);
	pol_json_uint_field(&j, "jail_id", e->jail_id);
	pol_json_name(&j, "pid");
	if (e->flags & JAIL_EVF_NO_TASK) {
		pol_json_null(&j);
		pol_json_name(&j, "tid");
		pol_json_null(&j);
		pol_json_name(&j, "comm");
		pol_json_null(&j);
	} else {
		pol_json_uint(&j, e->tgid);
		pol_json_uint_field(&j, "tid", e->pid);
		/* comm is the task's own bytes: the writer escapes them. */
		memcpy(comm, e->comm, sizeof(e->comm));
		comm[comm_len(e)] = '\0';
		pol_json_str_field(&j, "comm", comm);
	}
	pol_json_str_field(&j, "cgroup", cg);
	pol_json_uint_field(&j, "cgroup_id", e->cgroup_id);
	pol_json_str_field(&j, "netns", pol_scope_name(e->scope));
	pol_json_uint_field(&j, "netns_cookie", e->netns);
	pol_json_str_field(&j, "protocol", event_kind(e));
	if (e->hook == JAIL_EV_CONNECT_UNIX || e->hook == JAIL_EV_SENDMSG_UNIX) {
		pol_json_str_field(&j, "unix", dest);
	} else if (e->hook == JAIL_EV_SOCK_CREATE) {
		pol_json_str_field(&j, "socket", pol_sock_kind_name(e->sock_kind));
		pol_json_str_field(&j, "family", e->family == 4 ? "ipv4" : "ipv6");
	} else {
		inet_ntop(e->family == 4 ? AF_INET : AF_INET6, e->addr, a, sizeof(a));
		pol_json_str_field(&j, "family", e->family == 4 ? "ipv4" : "ipv6");
		pol_json_str_field(&j, "address", a);
		pol_json_name(&j, "port");
		if (e->proto == POL_PROTO_OTHER)
			pol_json_null(&j);
		else
			pol_json_uint(&j, e->port);
		pol_json_bool_field(&j, "unspecified", e->reached);
	}
	jp_rule_json(&j, t, e->rule);
	pol_hex(tag, (const uint8_t *)&e->policy_tag, sizeof(e->policy_tag));
	pol_json_str_field(&j, "policy_hash", tag);
	if (t)
		pol_json_str_field(&j, "policy", pol_tables_string(t, t->source_name));
	pol_json_object_end(&j);
}

static void print_text(const struct jail_event *e, const struct pol_tables *t, const char *when,
		       const char *dest, const char *cg)
{
	char rule[1024], comm[4 * sizeof(e->comm) + 1], who[128];

	jp_rule_describe(rule, sizeof(rule), t, e->rule);
	if (e->flags & JAIL_EVF_NO_TASK) {
		snprintf(who, sizeof(who), "a packet");
	} else {
		escape(comm, sizeof(comm), (const uint8_t *)e->comm, comm_len(e));
		snprintf(who, sizeof(who), "pid %u (%s)", e->tgid, comm);
	}
	printf("%s %s %s %s %s%s from %s in %s, netns %s, by %s\n", when, verdict_word(e),
	       jp_hook_name(e->hook), event_kind(e), dest,
	       e->reached ? " (for the unspecified address)" : "", who, cg,
	       pol_scope_name(e->scope), rule);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	const struct jail_event *e = data;
	char when[64], dest[512], jail[PATH_MAX], cg[PATH_MAX];
	const struct pol_tables *t;

	if (m->done)
		return -ECANCELED;
	if (size < sizeof(*e))
		return 0;
	if (m->o->jail_id && e->jail_id != m->o->jail_id && e->cgroup_id != m->o->jail_id)
		return 0;
	t = policy_of(m, e->policy_tag);
	format_time(when, sizeof(when), m, e->time_ns);
	format_dest(dest, sizeof(dest), e);
	cgroup_path(m, e->jail_id, jail, sizeof(jail));
	cgroup_path(m, e->cgroup_id, cg, sizeof(cg));
	if (m->o->json)
		print_json(e, t, when, dest, jail, cg);
	else
		print_text(e, t, when, dest, cg);
	fflush(stdout);
	/* Stop consuming at the last one: the events after it stay in the
	 * ring for the next reader. */
	if (m->o->count && ++m->seen >= m->o->count) {
		m->done = true;
		return -ECANCELED;
	}
	return 0;
}

static struct drops *drops_of(struct monitor *m, uint64_t id)
{
	size_t i;

	for (i = 0; i < m->n_drops; i++)
		if (m->drops[i].id == id)
			return &m->drops[i];
	if (m->n_drops == DROPS_MAX)
		return NULL;
	m->drops[m->n_drops].id = id;
	m->drops[m->n_drops].dropped = 0;
	return &m->drops[m->n_drops++];
}

struct drop_scan {
	struct monitor *m;
	bool quiet; /* the first scan: what was lost before monitor started */
};

static int scan_one(const char *pin_dir, const char *name, void *arg)
{
	struct drop_scan *s = arg;
	struct monitor *m = s->m;
	uint64_t id, emitted, dropped;
	char jail[PATH_MAX], when[64];
	struct drops *d;

	id = strtoull(name + strlen(JP_PIN_DIR_PREFIX), NULL, 10);
	if (!id || (m->o->jail_id && id != m->o->jail_id))
		return 0;
	if (jp_read_evstate(pin_dir, &emitted, &dropped))
		return 0;
	d = drops_of(m, id);
	if (!d || dropped <= d->dropped) {
		if (d)
			d->dropped = dropped;
		return 0;
	}
	if (!s->quiet) {
		format_time(when, sizeof(when), m, (uint64_t)clock_ns(CLOCK_BOOTTIME));
		cgroup_path(m, id, jail, sizeof(jail));
		if (m->o->json) {
			struct pol_json j;

			pol_json_init(&j, stdout);
			pol_json_object_begin(&j);
			pol_json_str_field(&j, "time", when);
			pol_json_str_field(&j, "jail", jail);
			pol_json_uint_field(&j, "jail_id", id);
			pol_json_uint_field(&j, "dropped", dropped - d->dropped);
			pol_json_uint_field(&j, "dropped_total", dropped);
			pol_json_object_end(&j);
		} else {
			printf("%s dropped %llu events of %s (rate limit or full ring; %llu in "
			       "all)\n",
			       when, (unsigned long long)(dropped - d->dropped), jail,
			       (unsigned long long)dropped);
		}
		fflush(stdout);
	}
	d->dropped = dropped;
	return 0;
}

static void scan_drops(struct monitor *m, bool quiet)
{
	struct drop_scan s = { m, quiet };

	jp_pin_dir_foreach(JP_PIN_ROOT, JP_PIN_DIR_PREFIX, scan_one, &s);
}

static uint32_t fd_map_id(int fd)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	return bpf_obj_get_info_by_fd(fd, &mi, &len) < 0 ? 0 : mi.id;
}

/* The id of the ring buffer pinned now, 0 if none. */
static uint32_t pinned_id(void)
{
	int fd = jp_pin_get(JP_PIN_ROOT, JP_PIN_EVENTS);
	uint32_t id;

	if (fd < 0)
		return 0;
	id = fd_map_id(fd);
	close(fd);
	return id;
}

/* Read the ring pinned as fd until it is unpinned or replaced, or the
 * monitor stops. */
static int follow(struct monitor *m, int fd)
{
	uint32_t id = fd_map_id(fd);
	struct ring_buffer *rb;
	int64_t next = 0, now;
	int ret;

	rb = ring_buffer__new(fd, on_event, m, NULL);
	if (!rb) {
		ret = -errno;
		fprintf(stderr, SAY "cannot read the events: %s\n", strerror(-ret));
		return ret;
	}
	while (!stop && !m->done) {
		ret = ring_buffer__poll(rb, 200);
		if (m->done)
			ret = 0;
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, SAY "cannot read the events: %s\n", strerror(-ret));
			break;
		}
		ret = 0;
		now = clock_ns(CLOCK_MONOTONIC);
		if (now < next)
			continue;
		next = now + 1000000000;
		sync_clocks(m);
		scan_drops(m, false);
		if (pinned_id() != id) {
			/* Gone with the last jail (or replaced): what is
			 * left in it is still ours to read. */
			ring_buffer__consume(rb);
			break;
		}
	}
	ring_buffer__free(rb);
	return ret;
}

int jp_monitor(const struct jp_monitor_opts *o)
{
	struct sigaction sa;
	struct monitor *m;
	bool said = false;
	int lock, fd, ret = 0;
	size_t i;

	m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, SAY "out of memory\n");
		return -ENOMEM;
	}
	m->o = o;
	lock = take_lock();
	if (lock < 0) {
		free(m);
		return lock;
	}
	/* No SA_RESTART: a signal ends the wait for events at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sync_clocks(m);
	scan_drops(m, true);
	while (!stop && !m->done) {
		fd = jp_pin_get(JP_PIN_ROOT, JP_PIN_EVENTS);
		if (fd < 0) {
			if (fd != -ENOENT) {
				fprintf(stderr, SAY "cannot open '%s/%s': %s\n", JP_PIN_ROOT,
					JP_PIN_EVENTS, strerror(-fd));
				ret = fd;
				break;
			}
			if (!said)
				fprintf(stderr, SAY "no jail reports events yet; waiting\n");
			said = true;
			usleep(200000);
			continue;
		}
		said = false;
		ret = follow(m, fd);
		close(fd);
		if (ret)
			break;
	}
	/* What was lost since the last look, before going. */
	scan_drops(m, false);
	for (i = 0; i < m->n_cache; i++)
		if (m->cache[i].ok)
			pol_tables_free(&m->cache[i].t);
	free(m);
	close(lock);
	return ret;
}
