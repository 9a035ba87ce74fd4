/* SPDX-License-Identifier: MIT */
/* Reading a live process's memory, and each value of gs_live_sample (liveread.h). */
#include "liveread.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "liveread_int.h"
#include "proc.h"

#define MAX_PS		(1u << 16)	/* Ps: GOMAXPROCS is capped far below this */
#define MAX_GS		(1ull << 31)	/* allglen beyond this is not a real program */
#define MAX_MS		(1ll << 20)
#define MAX_HEAP	(1ull << 50)
#define READ_TRIES	3
#define IOV_BATCH	512

/* ---- reading memory ---- */

static int read_err(struct gs_err *err, int code, uint64_t addr)
{
	if (code == ESRCH)
		return gs_errf(err, ESRCH, "process gone");
	return gs_errf(err, code, "reading %#" PRIx64 ": %s", addr, strerror(code));
}

static int mem_pread(int pid, uint64_t addr, void *buf, size_t len, struct gs_err *err)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%d/mem", gs_proc_root(), pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return read_err(err, errno == ENOENT ? ESRCH : errno, addr);
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	if (n < 0)
		return read_err(err, errno, addr);
	if ((size_t)n != len)
		return read_err(err, EFAULT, addr);
	return 0;
}

int gs_live_read(int pid, uint64_t addr, void *buf, size_t len, struct gs_err *err)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS)
		return mem_pread(pid, addr, buf, len, err);
	if (n < 0)
		return read_err(err, errno, addr);
	if ((size_t)n != len)
		return read_err(err, EFAULT, addr);
	return 0;
}

static int rd_scalar(const struct gs_live *lv, uint64_t addr, unsigned size, uint64_t *out,
		     struct gs_err *err)
{
	uint32_t v32;
	uint64_t v64;

	if (size == 4) {
		if (gs_live_read(lv->pid, addr + lv->bias, &v32, 4, err) < 0)
			return -1;
		*out = v32;
		return 0;
	}
	if (gs_live_read(lv->pid, addr + lv->bias, &v64, 8, err) < 0)
		return -1;
	*out = v64;
	return 0;
}

/* A field of a global (through the layout's offsets). */
static int rd_field(const struct gs_live *lv, enum gs_rt_field f, uint64_t *out,
		    struct gs_err *err)
{
	const struct gs_rt_loc *l = &lv->lay->off.f[f];

	return rd_scalar(lv, gs_live_global_addr(lv->lay, l->global) + l->off, l->size, out, err);
}

static int64_t sext32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

/* Σ of each P's free-list count over allp, in batches of remote iovecs. */
static int sum_p_gfree(const struct gs_live *lv, uint64_t *ps, uint64_t np, int64_t *sum,
		       struct gs_err *err)
{
	uint64_t off = lv->lay->gc_pfree;
	struct iovec local, remote[IOV_BATCH];
	int32_t vals[IOV_BATCH];

	*sum = 0;
	for (uint64_t i = 0; i < np; i += IOV_BATCH) {
		unsigned n = np - i < IOV_BATCH ? (unsigned)(np - i) : IOV_BATCH;
		ssize_t got;

		for (unsigned k = 0; k < n; k++) {
			if (!ps[i + k])
				return gs_errf(err, EAGAIN, "nil P in allp");
			remote[k].iov_base = (void *)(uintptr_t)(ps[i + k] + off);
			remote[k].iov_len = 4;
		}
		local.iov_base = vals;
		local.iov_len = n * 4u;
		got = process_vm_readv(lv->pid, &local, 1, remote, n, 0);
		if (got < 0)
			return read_err(err, errno, ps[i]);
		if ((size_t)got != n * 4u)
			return gs_errf(err, EAGAIN, "a P moved while reading");
		for (unsigned k = 0; k < n; k++) {
			if (vals[k] < 0)
				return gs_errf(err, EAGAIN, "negative free-list count at a P");
			*sum += vals[k];
		}
	}
	return 0;
}

/* The dead Gs on the global free list(s): gFree.n, or two lists' sizes since 1.25. */
static int sched_free(const struct gs_live *lv, int64_t *out, struct gs_err *err)
{
	*out = 0;
	for (unsigned k = 0; k < lv->lay->gc_nsfree && k < 2; k++) {
		uint64_t a;

		if (rd_scalar(lv, lv->lay->gc_sfree[k], 4, &a, err) < 0)
			return -1;
		if (sext32(a) < 0) {
			*out = -1;
			return 0;
		}
		*out += sext32(a);
	}
	return 0;
}

/*
 * allglen - the free lists - sched.ngsys, as runtime.gcount. The counts
 * race with the program; each is checked against the others (and allglen
 * against allgs, which allgadd grows first), and an inconsistent set is
 * read again.
 */
static int read_goroutines(const struct gs_live *lv, int64_t *out, struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	uint64_t allglen, ngsys, hdr[3], ghdr[3], gptr, *ps = NULL;
	int64_t gfree, pfree, n;
	int rc = -1;

	if (rd_scalar(lv, lay->allglen, 8, &allglen, err) < 0 ||
	    sched_free(lv, &gfree, err) < 0 ||
	    rd_scalar(lv, lay->gc_ngsys, 4, &ngsys, err) < 0 ||
	    gs_live_read(lv->pid, lay->allp + lv->bias, hdr, sizeof(hdr), err) < 0)
		return -1;
	if (allglen == 0 || allglen > MAX_GS)
		return gs_errf(err, EAGAIN, "implausible allglen %" PRIu64, allglen);
	/* allgadd appends to allgs, then publishes allgptr and allglen. */
	if (lay->allgs) {
		if (gs_live_read(lv->pid, lay->allgs + lv->bias, ghdr, sizeof(ghdr), err) < 0)
			return -1;
		if (allglen > ghdr[1] || ghdr[1] > ghdr[2] || !ghdr[0])
			return gs_errf(err, EAGAIN, "allglen %" PRIu64 " does not fit allgs (len %" PRIu64
				       ", cap %" PRIu64 ")", allglen, ghdr[1], ghdr[2]);
		if (lay->allgptr) {
			if (rd_scalar(lv, lay->allgptr, 8, &gptr, err) < 0)
				return -1;
			if (gptr != ghdr[0])
				return gs_errf(err, EAGAIN, "allgptr is not &allgs[0]");
		}
	}
	if (hdr[1] == 0 || hdr[1] > MAX_PS || hdr[1] > hdr[2] || !hdr[0])
		return gs_errf(err, EAGAIN, "implausible allp (len %" PRIu64 ")", hdr[1]);
	ps = calloc(hdr[1], sizeof(*ps));
	if (!ps)
		return gs_errf(err, ENOMEM, "out of memory");
	if (gs_live_read(lv->pid, hdr[0], ps, hdr[1] * sizeof(*ps), err) < 0 ||
	    sum_p_gfree(lv, ps, hdr[1], &pfree, err) < 0)
		goto out;
	n = (int64_t)allglen - gfree - sext32(ngsys) - pfree;
	if (gfree < 0 || sext32(ngsys) < 0 || n < 1 || (uint64_t)n > allglen) {
		gs_errf(err, EAGAIN, "inconsistent counts (allglen %" PRIu64 ")", allglen);
		goto out;
	}
	*out = n;
	rc = 0;
out:
	free(ps);
	return rc;
}

static long proc_threads(int pid)
{
	char buf[4096];
	const char *p;
	struct gs_err err;

	if (gs_proc_read(pid, "status", buf, sizeof(buf), NULL, &err) < 0)
		return -1;
	p = strstr(buf, "\nThreads:");
	return p ? strtol(p + 9, NULL, 10) : -1;
}

static long possible_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n : 1 << 16;
}

static void set_val(struct gs_live_val *v, enum gs_live_src src, int64_t x)
{
	v->ok = true;
	v->v = x;
	v->src = src;
	v->why[0] = '\0';
}

static void set_unavail(struct gs_live_val *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_unavail(struct gs_live_val *v, const char *fmt, ...)
{
	va_list ap;

	v->ok = false;
	v->src = GS_LSRC_NONE;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

/* One value; returns -1 only for "gone" or "not allowed" (err set). */
static int sample_one(const struct gs_live *lv, enum gs_live_value v, struct gs_live_stats *st,
		      struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	enum gs_live_src src = lay->src[v];
	struct gs_live_val *out = &st->v[v];
	struct gs_err e2 = { 0 };
	uint64_t a, b;
	int64_t n = 0;
	int tries;

	if (src == GS_LSRC_NONE) {
		set_unavail(out, "%s", lay->why[v][0] ? lay->why[v] : "unknown location");
		return 0;
	}
	for (tries = 0; tries < READ_TRIES; tries++) {
		e2.code = 0;
		switch (v) {
		case GS_LV_GOROUTINES:
			if (read_goroutines(lv, &n, &e2) == 0)
				goto got;
			break;
		case GS_LV_THREADS:
			if (src == GS_LSRC_PROC) {
				if (st->proc_threads > 0) {
					n = st->proc_threads;
					goto got;
				}
				gs_errf(&e2, EAGAIN, "/proc/%d/status unreadable", lv->pid);
				break;
			}
			if (rd_field(lv, GS_RT_SCHED_MNEXT, &a, &e2) < 0 ||
			    rd_field(lv, GS_RT_SCHED_NMFREED, &b, &e2) < 0)
				break;
			n = (int64_t)a - (int64_t)b;
			if ((int64_t)a >= 1 && (int64_t)b >= 0 && n >= 1 && n <= MAX_MS)
				goto got;
			gs_errf(&e2, EAGAIN, "implausible mnext %" PRId64 " nmfreed %" PRId64,
				(int64_t)a, (int64_t)b);
			break;
		case GS_LV_GOMAXPROCS:
			if (rd_scalar(lv, lay->gomaxprocs, 4, &a, &e2) < 0)
				break;
			n = sext32(a);
			if (n >= 1 && n <= (int64_t)MAX_PS)
				goto got;
			gs_errf(&e2, EINVAL, "implausible value %" PRId64, n);
			tries = READ_TRIES;	/* a static int32: re-reading won't help */
			break;
		case GS_LV_NCPU:
			if (rd_scalar(lv, lay->ncpu, 4, &a, &e2) < 0)
				break;
			n = sext32(a);
			if (n >= 1 && n <= possible_cpus())
				goto got;
			gs_errf(&e2, EINVAL, "implausible value %" PRId64 " (%ld CPUs possible)", n,
				possible_cpus());
			tries = READ_TRIES;
			break;
		case GS_LV_NUMGC:
			if (rd_field(lv, GS_RT_MSTATS_NUMGC, &a, &e2) < 0)
				break;
			n = (int64_t)a;
			goto got;
		case GS_LV_HEAP_INUSE:
		case GS_LV_HEAP_LIVE:
			if (rd_field(lv, v == GS_LV_HEAP_INUSE ? GS_RT_HEAP_INUSE : GS_RT_HEAP_LIVE,
				     &a, &e2) < 0)
				break;
			n = (int64_t)a;
			if (a <= MAX_HEAP)
				goto got;
			gs_errf(&e2, EAGAIN, "implausible value %" PRIu64, a);
			break;
		default:
			return 0;
		}
		if (e2.code != EAGAIN && e2.code != EINVAL && e2.code != EFAULT)
			break;
	}
	if (e2.code == ESRCH || e2.code == EPERM || e2.code == EACCES) {
		set_unavail(out, "%s", e2.msg);
		*err = e2;
		return -1;
	}
	set_unavail(out, "%s", e2.msg[0] ? e2.msg : "unreadable");
	return 0;
got:
	set_val(out, src, n);
	return 0;
}

int gs_live_sample(const struct gs_live *lv, struct gs_live_stats *st, struct gs_err *err)
{
	memset(st, 0, sizeof(*st));
	st->proc_threads = proc_threads(lv->pid);
	for (int v = 0; v < GS_LV_COUNT; v++) {
		if (sample_one(lv, v, st, err) < 0) {
			/* Gone or not allowed: the rest would fail the same way. */
			for (int w = v + 1; w < GS_LV_COUNT; w++) {
				if (w == GS_LV_THREADS && st->proc_threads > 0)
					set_val(&st->v[w], GS_LSRC_PROC, st->proc_threads);
				else
					set_unavail(&st->v[w], "%s", err->msg);
			}
			if (v != GS_LV_THREADS && st->proc_threads > 0 && !st->v[GS_LV_THREADS].ok)
				set_val(&st->v[GS_LV_THREADS], GS_LSRC_PROC, st->proc_threads);
			return -1;
		}
	}
	return 0;
}
