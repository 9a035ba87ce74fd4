/* SPDX-License-Identifier: MIT */
/*
 * Sockets of a process: the parsers for the /proc/net tables (hostile text:
 * a unix socket's path is chosen by whoever bound it) and the reader that
 * joins them with the process's descriptors.
 */
#include "sockets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hexdigit.h"
#include "proc.h"

#define LINE_MAX_LEN 4096		/* a table line is ~150 bytes; a unix one with a path ~300 */
#define READ_CHUNK (64u << 10)
#define MAX_SOCKETS (1u << 20)		/* socket descriptors we track per process */
#define MAX_FD_ENTRIES (1u << 22)	/* /proc/PID/fd entries we look at */

static const char *const files[GS_SOCK_KINDS] = { "tcp", "tcp6", "udp", "udp6", "unix" };
static const char *const kind_names[GS_SOCK_KINDS] = { "tcp4", "tcp6", "udp4", "udp6", "unix" };

const char *gs_sock_file(enum gs_sock_kind kind)
{
	return (unsigned)kind < GS_SOCK_KINDS ? files[kind] : "";
}

const char *gs_sock_kind_name(enum gs_sock_kind kind)
{
	return (unsigned)kind < GS_SOCK_KINDS ? kind_names[kind] : "";
}

/* ---- parsers ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next blank-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p, *e;

	while (s < end && is_space(*s))
		s++;
	for (e = s; e < end && !is_space(*e); e++)
		;
	*p = e;
	*f = s;
	*n = (size_t)(e - s);
	return e > s;
}

/* Exactly n hex digits (n <= 16) into *v. */
static bool hex_n(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = gs_hexval(p[i]);

		if (d < 0)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

static bool dec(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/*
 * "0100007F:1F90" or 32 hex digits + ":PORT". The kernel prints each 32-bit
 * word of the address as it sits in memory, read as a host-order integer, so
 * storing the parsed integer back in host order gives the network bytes on
 * any machine.
 */
static bool inet_addr(const char *p, size_t n, bool v6, uint8_t addr[16], uint16_t *port)
{
	size_t words = v6 ? 4 : 1, alen = words * 8;
	uint64_t v;

	if (n != alen + 5 || p[alen] != ':')
		return false;
	memset(addr, 0, 16);
	for (size_t i = 0; i < words; i++) {
		uint32_t w;

		if (!hex_n(p + i * 8, 8, &v))
			return false;
		w = (uint32_t)v;
		memcpy(addr + i * 4, &w, 4);
	}
	if (!hex_n(p + alen + 1, 4, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

/*
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:A955 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 ...
 */
static int parse_inet(const char *p, const char *end, bool v6, struct gs_sock *s,
		      struct gs_err *err)
{
	const char *f;
	size_t n;
	uint64_t v;

	if (!field(&p, end, &f, &n))
		return 0;
	if (f[n - 1] != ':' || !dec(f, n - 1, &v))
		return 0;	/* the header */
	if (!field(&p, end, &f, &n) || !inet_addr(f, n, v6, s->laddr, &s->lport))
		return gs_errf(err, EINVAL, "bad local address");
	if (!field(&p, end, &f, &n) || !inet_addr(f, n, v6, s->raddr, &s->rport))
		return gs_errf(err, EINVAL, "bad remote address");
	if (!field(&p, end, &f, &n) || !hex_n(f, n, &v) || n > 2)
		return gs_errf(err, EINVAL, "bad state");
	s->state = (unsigned)v;
	/* tx:rx, tr:when, retrnsmt, uid, timeout: not needed */
	for (int i = 0; i < 5; i++)
		if (!field(&p, end, &f, &n))
			return gs_errf(err, EINVAL, "truncated record");
	if (!field(&p, end, &f, &n) || !dec(f, n, &s->inode))
		return gs_errf(err, EINVAL, "bad inode");
	return 1;
}

/*
 * Num       RefCount Protocol Flags    Type St Inode Path
 * ffff...: 00000002 00000000 00010000 0001 01 25917 /run/systemd/notify
 * The path is the rest of the line: it may hold blanks.
 */
static int parse_unix(const char *p, const char *end, struct gs_sock *s, struct gs_err *err)
{
	const char *f;
	size_t n;
	uint64_t v;

	if (!field(&p, end, &f, &n))
		return 0;
	if (f[n - 1] != ':' || !hex_n(f, n - 1, &v))
		return 0;	/* the header */
	for (int i = 0; i < 3; i++)	/* RefCount, Protocol, Flags */
		if (!field(&p, end, &f, &n) || !hex_n(f, n, &v))
			return gs_errf(err, EINVAL, "truncated record");
	if (!field(&p, end, &f, &n) || !hex_n(f, n, &v) || v > 0xffff)
		return gs_errf(err, EINVAL, "bad type");
	s->type = (unsigned)v;
	if (!field(&p, end, &f, &n) || !hex_n(f, n, &v) || v > 0xff)
		return gs_errf(err, EINVAL, "bad state");
	s->state = (unsigned)v;
	if (!field(&p, end, &f, &n) || !dec(f, n, &s->inode))
		return gs_errf(err, EINVAL, "bad inode");
	/* One blank, then the path, if any. */
	if (p < end && is_space(*p))
		p++;
	n = (size_t)(end - p);
	while (n > 0 && (p[n - 1] == '\r'))
		n--;
	if (n >= sizeof(s->path))
		n = sizeof(s->path) - 1;
	memcpy(s->path, p, n);
	s->path[n] = '\0';
	return 1;
}

int gs_sock_parse_line(const char *line, size_t len, enum gs_sock_kind kind,
		       struct gs_sock *s, struct gs_err *err)
{
	const char *end = line + len;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	switch (kind) {
	case GS_SOCK_TCP4:
	case GS_SOCK_UDP4:
		return parse_inet(line, end, false, s, err);
	case GS_SOCK_TCP6:
	case GS_SOCK_UDP6:
		return parse_inet(line, end, true, s, err);
	case GS_SOCK_UNIX:
		return parse_unix(line, end, s, err);
	default:
		return gs_errf(err, EINVAL, "unknown socket table");
	}
}

int gs_sock_parse_buf(const char *buf, size_t len, enum gs_sock_kind kind,
		      gs_sock_fn fn, void *ctx)
{
	const char *p = buf, *end = buf + len;
	struct gs_sock s;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int r;

		if (gs_sock_parse_line(p, (size_t)(le - p), kind, &s, NULL) == 1) {
			r = fn(ctx, &s);
			if (r)
				return r;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

bool gs_parse_socket_link(const char *s, size_t len, uint64_t *inode)
{
	static const char pre[] = "socket:[";
	size_t k = sizeof(pre) - 1;

	if (len < k + 2 || memcmp(s, pre, k) != 0 || s[len - 1] != ']')
		return false;
	return dec(s + k, len - k - 1, inode);
}

void gs_ip_str(const uint8_t *a, bool v6, char *buf, size_t sz)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int best = -1, best_len = 0, o = 0;
	uint16_t g[8];

	if (sz == 0)
		return;
	if (!v6 || memcmp(a, mapped, sizeof(mapped)) == 0) {
		const uint8_t *q = v6 ? a + 12 : a;

		snprintf(buf, sz, "%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
		return;
	}
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	/* The first longest run of at least two zero groups becomes "::". */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i >= 2 && j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	buf[0] = '\0';
	for (int i = 0; i < 8 && o >= 0 && (size_t)o < sz; i++) {
		if (i == best) {
			o += snprintf(buf + o, sz - (size_t)o, "::");
			i += best_len - 1;
			continue;
		}
		o += snprintf(buf + o, sz - (size_t)o, "%s%x",
			      i > 0 && i != best + best_len ? ":" : "", g[i]);
	}
}

const char *gs_tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
		[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
		[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
		[10] = "LISTEN", [11] = "CLOSING",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "";
}

const char *gs_sock_status(const struct gs_sock *s)
{
	if (s->kind == GS_SOCK_TCP4 || s->kind == GS_SOCK_TCP6)
		return gs_tcp_state_name(s->state);
	return "NONE";
}

/* ---- readers ---- */

struct inode_set {
	uint64_t *v;
	bool *taken;
	size_t n, cap;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int set_add(struct inode_set *s, uint64_t ino)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *nv;

		if (s->cap >= MAX_SOCKETS)
			return 0;	/* more sockets than we track: show the first ones */
		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = ino;
	return 0;
}

static void set_seal(struct inode_set *s)
{
	size_t k = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		if (k == 0 || s->v[i] != s->v[k - 1])
			s->v[k++] = s->v[i];
	s->n = k;
}

/* Index of ino in the set, or -1. */
static long set_find(const struct inode_set *s, uint64_t ino)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] == ino)
			return (long)mid;
		if (s->v[mid] < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int proc_errno(struct gs_err *err, int e, int pid, const char *what)
{
	if (e == ENOENT || e == ESRCH)
		return gs_errf(err, ESRCH, "process %d has exited", pid);
	return gs_errf(err, e, "%s/%d/%s: %s", gs_proc_root(), pid, what, strerror(e));
}

static int fd_inodes(int pid, struct inode_set *set, struct gs_err *err)
{
	char path[PATH_MAX], link[64];
	struct dirent *de;
	unsigned long seen = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", gs_proc_root(), pid);
	d = opendir(path);
	if (!d)
		return proc_errno(err, errno, pid, "fd");
	while ((de = readdir(d)) && seen++ < MAX_FD_ENTRIES) {
		uint64_t ino;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n >= sizeof(link))
			continue;	/* closed meanwhile, or not a socket */
		if (gs_parse_socket_link(link, (size_t)n, &ino) && set_add(set, ino)) {
			closedir(d);
			return gs_errf(err, ENOMEM, "out of memory");
		}
	}
	closedir(d);
	set_seal(set);
	set->taken = calloc(set->n ? set->n : 1, sizeof(*set->taken));
	if (!set->taken)
		return gs_errf(err, ENOMEM, "out of memory");
	return 0;
}

static int list_push(struct gs_sock_list *l, const struct gs_sock *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct gs_sock *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

struct match_ctx {
	struct inode_set *set;
	struct gs_sock_list *out;
	size_t found;
};

static int match(void *ctx, const struct gs_sock *s)
{
	struct match_ctx *m = ctx;
	long i = set_find(m->set, s->inode);

	if (i < 0 || m->set->taken[i])
		return 0;
	m->set->taken[i] = true;
	if (list_push(m->out, s))
		return -1;
	/* Every socket placed: the rest of the tables cannot add any. */
	return ++m->found == m->set->n ? 1 : 0;
}

/*
 * Stream one table line by line through a fixed buffer: on a busy host the
 * tables hold many thousands of lines. Lines too long for the buffer are
 * skipped (no real record is that long).
 */
static int scan_table(int pid, enum gs_sock_kind kind, struct match_ctx *m, struct gs_err *err)
{
	char path[PATH_MAX];
	char *buf, *line;
	size_t ll = 0;
	bool skipping = false;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%d/net/%s", gs_proc_root(), pid, gs_sock_file(kind));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && access(gs_proc_root(), F_OK) == 0) {
			char dir[PATH_MAX];

			/* No such table (IPv6 off) is fine; no such process is not. */
			snprintf(dir, sizeof(dir), "%s/%d", gs_proc_root(), pid);
			if (access(dir, F_OK) == 0)
				return 0;
		}
		return proc_errno(err, errno, pid, "net");
	}
	buf = malloc(READ_CHUNK + LINE_MAX_LEN);
	if (!buf) {
		close(fd);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	line = buf + READ_CHUNK;
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);
		struct gs_sock s;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = proc_errno(err, errno, pid, "net");
			break;
		}
		if (n == 0) {
			/* A last line without '\n'. */
			if (!skipping && ll > 0 &&
			    gs_sock_parse_line(line, ll, kind, &s, NULL) == 1 && match(m, &s) < 0)
				r = gs_errf(err, ENOMEM, "out of memory");
			break;
		}
		for (const char *p = buf, *end = buf + n; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t take = (size_t)((nl ? nl : end) - p);

			if (!skipping) {
				if (take > LINE_MAX_LEN - ll) {
					skipping = true;
				} else {
					memcpy(line + ll, p, take);
					ll += take;
				}
			}
			if (!nl)
				break;
			if (!skipping && gs_sock_parse_line(line, ll, kind, &s, NULL) == 1) {
				int k = match(m, &s);

				if (k) {
					if (k < 0)
						r = gs_errf(err, ENOMEM, "out of memory");
					goto out;
				}
			}
			ll = 0;
			skipping = false;
			p = nl + 1;
		}
	}
out:
	free(buf);
	close(fd);
	return r;
}

static int proc_sockets(int pid, unsigned kinds, struct gs_sock_list *out, struct gs_err *err)
{
	struct inode_set set = { 0 };
	struct match_ctx m = { .set = &set, .out = out };
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (fd_inodes(pid, &set, err)) {
		free(set.v);
		free(set.taken);
		return -1;
	}
	for (int k = 0; k < GS_SOCK_KINDS && set.n > 0 && m.found < set.n; k++) {
		if (!(kinds & (1u << k)))
			continue;
		r = scan_table(pid, (enum gs_sock_kind)k, &m, err);
		if (r)
			break;
	}
	free(set.v);
	free(set.taken);
	if (r) {
		gs_sock_list_free(out);
		return -1;
	}
	return 0;
}

int gs_proc_sockets(int pid, struct gs_sock_list *out, struct gs_err *err)
{
	return proc_sockets(pid, (1u << GS_SOCK_KINDS) - 1, out, err);
}

void gs_sock_list_free(struct gs_sock_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int gs_proc_listens(int pid, uint16_t port, struct gs_err *err)
{
	struct gs_sock_list l;
	int found = 0;

	if (proc_sockets(pid, 1u << GS_SOCK_TCP4 | 1u << GS_SOCK_TCP6, &l, err))
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].state == GS_TCP_LISTEN && l.v[i].lport == port)
			found = 1;
	gs_sock_list_free(&l);
	return found;
}
