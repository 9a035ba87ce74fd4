/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for /proc text. Input is a buffer and a length, possibly cut
 * short, possibly hostile (comm and cmdline are chosen by the process), and
 * not NUL-terminated: every scan is bounded by len.
 */
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STAT_FIRST 3		/* field number of state, the first after comm */
#define STAT_LAST 24		/* rss: the last field we need */
#define NSPID_MAX_LEVELS 64	/* the kernel allows 32 nested PID namespaces */

static bool span_ull(const char *p, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';

		if (d > 9 || v > (ULLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool span_ll(const char *p, size_t n, long long *out)
{
	unsigned long long v;
	bool neg = n > 0 && p[0] == '-';

	if (!span_ull(p + neg, n - neg, &v))
		return false;
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return false;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > LLONG_MAX)
			return false;
		*out = (long long)v;
	}
	return true;
}

static bool span_int(const char *p, size_t n, int *out)
{
	long long v;

	if (!span_ll(p, n, &v) || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

static bool span_long(const char *p, size_t n, long *out)
{
	long long v;

	if (!span_ll(p, n, &v) || v < LONG_MIN || v > LONG_MAX)
		return false;
	*out = (long)v;
	return true;
}

int gs_parse_stat(const char *buf, size_t len, struct gs_proc_stat *st, struct gs_err *err)
{
	const char *end = buf + len, *open, *close, *p;
	struct { const char *p; size_t n; } f[STAT_LAST + 1];
	unsigned long long ull;
	size_t clen;

	memset(st, 0, sizeof(*st));
	open = memchr(buf, '(', len);
	close = memrchr(buf, ')', len);
	if (!open || !close || close < open || open == buf || open[-1] != ' ')
		return gs_errf(err, EINVAL, "stat: no (comm)");
	if (!span_int(buf, (size_t)(open - 1 - buf), &st->pid) || st->pid <= 0)
		return gs_errf(err, EINVAL, "stat: bad pid");

	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';

	/* Fields are single-space separated; the last one ends in '\n'. */
	p = close + 1;
	for (unsigned i = STAT_FIRST; i <= STAT_LAST; i++) {
		const char *q;

		if (p >= end || *p != ' ')
			return gs_errf(err, EINVAL, "stat: truncated before field %u", i);
		p++;
		for (q = p; q < end && *q != ' ' && *q != '\n'; q++)
			;
		if (q == p)
			return gs_errf(err, EINVAL, "stat: empty field %u", i);
		f[i].p = p;
		f[i].n = (size_t)(q - p);
		p = q;
	}
	/* The last field we read must be complete, not cut by the buffer. */
	if (p >= end)
		return gs_errf(err, EINVAL, "stat: truncated at field %u", STAT_LAST);

	if (f[3].n != 1)
		return gs_errf(err, EINVAL, "stat: bad state");
	st->state = f[3].p[0];
	if (!span_int(f[4].p, f[4].n, &st->ppid) || st->ppid < 0)
		return gs_errf(err, EINVAL, "stat: bad ppid");
	if (!span_ull(f[9].p, f[9].n, &ull) || ull > ULONG_MAX)
		return gs_errf(err, EINVAL, "stat: bad flags");
	st->flags = (unsigned long)ull;
	if (!span_ull(f[14].p, f[14].n, &st->utime) ||
	    !span_ull(f[15].p, f[15].n, &st->stime) ||
	    !span_ull(f[22].p, f[22].n, &st->starttime))
		return gs_errf(err, EINVAL, "stat: bad times");
	if (!span_long(f[20].p, f[20].n, &st->num_threads) ||
	    !span_long(f[24].p, f[24].n, &st->rss))
		return gs_errf(err, EINVAL, "stat: bad counts");
	return 0;
}

/* Split the next whitespace-separated token off [*p, end). */
static bool next_token(const char **p, const char *end, const char **tok, size_t *n)
{
	const char *s = *p, *e;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
		;
	*p = e;
	*tok = s;
	*n = (size_t)(e - s);
	return e > s;
}

static bool line_key(const char *line, size_t n, const char *key, const char **rest)
{
	size_t kl = strlen(key);

	if (n < kl || memcmp(line, key, kl) != 0)
		return false;
	*rest = line + kl;
	return true;
}

int gs_parse_status(const char *buf, size_t len, struct gs_proc_status *st, struct gs_err *err)
{
	const char *p = buf, *end = buf + len;

	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *v, *tok;
		size_t n = (size_t)(le - p), tn;

		if (line_key(p, n, "Uid:", &v)) {
			unsigned k;

			for (k = 0; k < 4; k++) {
				unsigned long long u;

				if (!next_token(&v, le, &tok, &tn) || !span_ull(tok, tn, &u) ||
				    u > UINT32_MAX)
					break;
				st->uid[k] = (uid_t)u;
			}
			st->has_uid = k == 4;
		} else if (line_key(p, n, "Tgid:", &v)) {
			st->has_tgid = next_token(&v, le, &tok, &tn) &&
				       span_int(tok, tn, &st->tgid) && st->tgid > 0;
		} else if (line_key(p, n, "NSpid:", &v)) {
			unsigned levels = 0;
			int last = 0;
			bool ok = true;

			while (levels < NSPID_MAX_LEVELS && next_token(&v, le, &tok, &tn)) {
				if (!span_int(tok, tn, &last) || last <= 0) {
					ok = false;
					break;
				}
				levels++;
			}
			st->has_nspid = ok && levels > 0;
			st->nspid = st->has_nspid ? last : 0;
			st->nspid_levels = st->has_nspid ? levels : 0;
		}
		p = nl ? nl + 1 : end;
	}
	if (!st->has_uid && !st->has_tgid && !st->has_nspid)
		return gs_errf(err, EINVAL, "status: no Uid, Tgid or NSpid line");
	return 0;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool gs_parse_cgroup_id(const char *buf, size_t len, char out[GS_CONTAINER_ID_LEN + 1])
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *found = NULL, *q = p;

		/* Runs of hex; keep the last one that is exactly 64 long and bounded. */
		while (q < le) {
			const char *s = q;

			if (!is_lhex(*q)) {
				q++;
				continue;
			}
			while (q < le && is_lhex(*q))
				q++;
			if (q - s == GS_CONTAINER_ID_LEN && (s == p || !is_alnum(s[-1])) &&
			    (q == le || !is_alnum(*q)))
				found = s;
			/* Skip the rest of an alphanumeric word ("4abcz...") too. */
			while (q < le && is_alnum(*q))
				q++;
		}
		if (found) {
			memcpy(out, found, GS_CONTAINER_ID_LEN);
			out[GS_CONTAINER_ID_LEN] = '\0';
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	out[0] = '\0';
	return false;
}

bool gs_cmdline_arg(const char *buf, size_t len, unsigned idx, const char **arg, size_t *n)
{
	const char *p = buf, *end = buf + len;

	for (unsigned i = 0; p < end; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		const char *e = nul ? nul : end;

		if (i == idx) {
			*arg = p;
			*n = (size_t)(e - p);
			return true;
		}
		p = nul ? nul + 1 : end;
	}
	return false;
}

size_t gs_cmdline_join(const char *buf, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	const char *a;
	size_t n;

	if (outsz == 0)
		return 0;
	for (unsigned i = 0; gs_cmdline_arg(buf, len, i, &a, &n); i++) {
		if (i > 0 && o + 1 < outsz)
			out[o++] = ' ';
		if (n > outsz - 1 - o)
			n = outsz - 1 - o;
		memcpy(out + o, a, n);
		o += n;
		if (o + 1 >= outsz)
			break;
	}
	out[o] = '\0';
	return o;
}

static void copy_str(char *out, size_t outsz, const char *s, size_t n)
{
	if (outsz == 0)
		return;
	if (n > outsz - 1)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

void gs_proc_name(const char *comm, const char *cmdline, size_t cmdline_len,
		  char *out, size_t outsz)
{
	size_t cl = strlen(comm), n;
	const char *a, *slash;

	if (cl == 15 && gs_cmdline_arg(cmdline, cmdline_len, 0, &a, &n)) {
		/* basename, like Go's filepath.Base: trailing slashes do not count */
		while (n > 1 && a[n - 1] == '/')
			n--;
		slash = memrchr(a, '/', n);
		if (slash && (size_t)(slash - a) + 1 < n) {
			n -= (size_t)(slash + 1 - a);
			a = slash + 1;
		}
		if (n >= cl && memcmp(a, comm, cl) == 0) {
			copy_str(out, outsz, a, n);
			return;
		}
	}
	copy_str(out, outsz, comm, cl);
}

bool gs_environ_get(const char *buf, size_t len, const char *name, const char **val,
		    size_t *n)
{
	size_t nl = strlen(name);
	const char *a;
	size_t an;

	if (nl == 0)
		return false;
	for (unsigned i = 0; gs_cmdline_arg(buf, len, i, &a, &an); i++) {
		if (an > nl && a[nl] == '=' && memcmp(a, name, nl) == 0) {
			*val = a + nl + 1;
			*n = an - nl - 1;
			return true;
		}
	}
	return false;
}

bool gs_parse_meminfo_total(const char *buf, size_t len, uint64_t *bytes)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *v, *tok;
		size_t tn;
		unsigned long long kb;

		if (line_key(p, (size_t)(le - p), "MemTotal:", &v)) {
			if (!next_token(&v, le, &tok, &tn) || !span_ull(tok, tn, &kb) ||
			    kb > UINT64_MAX / 1024)
				return false;
			if (next_token(&v, le, &tok, &tn) && !(tn == 2 && memcmp(tok, "kB", 2) == 0))
				return false;
			*bytes = (uint64_t)kb * 1024;
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

bool gs_parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX)
		return false;
	*pid = (int)v;
	return true;
}
