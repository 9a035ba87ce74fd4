// SPDX-License-Identifier: MIT
/*
 * goscope probe's BPF side: load bpf/goruntime.bpf.c, attach its programs
 * per executable, read per-process state.
 *
 * Attaching goes through /proc/PID/exe, so the uprobe lands on the inode the
 * process really runs (deleted, replaced, or in another mount namespace),
 * with pid -1: every process of that binary, now and later, hits it, and
 * the BPF side keys state by tgid (filtering when asked).
 *
 * One multi-uprobe link per executable where the kernel has them (see
 * uprobe_multi.h): one descriptor per binary, and detaching every binary
 * at exit costs about one grace period, not one per probe. Elsewhere, or
 * when the multi link is refused as unknown, one perf-event uprobe per
 * probe, as before Linux 6.6.
 */
#include "probe_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfload.h"
#include "output.h"
#include "probepoint.h"
#include "proc.h"
#include "uprobe_multi.h"
#include "goruntime.skel.h"

_Static_assert(sizeof(struct gs_rt_state) == (15 + GS_RT_HIST_SLOTS) * 8,
	       "struct gs_rt_state has implicit padding");

#define MAX_BINS 4096

static const char *const funcs[GS_RTP_COUNT] = {
	[GS_RTP_GC_START] = "runtime.gcResetMarkState",
	[GS_RTP_MARK_TERM] = "runtime.gcMarkTermination",
	[GS_RTP_STW_STOP] = "runtime.stopTheWorldWithSema",
	[GS_RTP_STW_START] = "runtime.startTheWorldWithSema",
	[GS_RTP_NEWPROC] = "runtime.newproc1",
	[GS_RTP_GOEXIT] = "runtime.goexit1",
};

static const char *const loses[GS_RTP_COUNT] = {
	[GS_RTP_GC_START] = "GC cycle wall time",
	[GS_RTP_MARK_TERM] = "GC cycle count",
	[GS_RTP_STW_STOP] = "stop-the-world pauses",
	[GS_RTP_STW_START] = "stop-the-world pauses",
	[GS_RTP_NEWPROC] = "goroutine creation rate",
	[GS_RTP_GOEXIT] = "goroutine exit rate",
};

const char *gs_rtprobe_func(enum gs_rt_probe p)
{
	return (unsigned)p < GS_RTP_COUNT ? funcs[p] : "?";
}

const char *gs_rtprobe_loses(enum gs_rt_probe p)
{
	return (unsigned)p < GS_RTP_COUNT ? loses[p] : "?";
}

struct gs_rtprobe {
	struct goruntime_bpf *skel;
	struct gs_rtprobe_opts opts;
	struct gs_rtbin **bins;
	unsigned nbins, cap;
	unsigned nlinks;		/* uprobes in place */
	unsigned nfds;			/* descriptors they hold */
	bool multi;			/* multi-uprobe links (until the kernel refuses one) */
	uint64_t last_attach_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct bpf_program *prog_for(struct goruntime_bpf *s, enum gs_rt_probe p)
{
	switch (p) {
	case GS_RTP_GC_START: return s->progs.gs_gc_start;
	case GS_RTP_MARK_TERM: return s->progs.gs_mark_term;
	case GS_RTP_STW_STOP: return s->progs.gs_stw_stop;
	case GS_RTP_STW_START: return s->progs.gs_stw_start;
	case GS_RTP_NEWPROC: return s->progs.gs_newproc;
	case GS_RTP_GOEXIT: return s->progs.gs_goexit;
	default: return NULL;
	}
}

struct gs_rtprobe *gs_rtprobe_open(const struct gs_rtprobe_opts *o, bool *nocap,
				   struct gs_err *err)
{
	struct gs_rtprobe *p;
	struct gs_err check;
	int ret;

	/* Every check failure is a missing privilege or feature; but our programs
	 * use neither BTF nor CO-RE, so a kernel without BTF is fine. */
	*nocap = false;
	if (gs_bpf_check(&check) < 0 && !(check.code == ENOENT && strstr(check.msg, "BTF"))) {
		*err = check;
		*nocap = true;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	p->opts = *o;
	p->skel = goruntime_bpf__open();
	if (!p->skel) {
		gs_errf(err, errno, "opening the BPF runtime object: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->filter_tgids = o->filter;
	/* A test hook forces the perf-event path, which older kernels take. */
	p->multi = !getenv("GOSCOPE_TEST_NO_UPROBE_MULTI");
	if (!p->multi)
		gs_warn("test hook GOSCOPE_TEST_NO_UPROBE_MULTI: perf-event uprobes only");
	if (p->multi)
		bpf_program__set_expected_attach_type(p->skel->progs.gs_rt_multi,
						      GS_BPF_TRACE_UPROBE_MULTI);
	else
		bpf_program__set_autoload(p->skel->progs.gs_rt_multi, false);
	if (!o->goroutines) {
		bpf_program__set_autoload(p->skel->progs.gs_newproc, false);
		bpf_program__set_autoload(p->skel->progs.gs_goexit, false);
	}
	ret = goruntime_bpf__load(p->skel);
	if (ret) {
		gs_errf(err, -ret, "loading the BPF runtime programs: %s%s", strerror(-ret),
			gs_opts.verbose ? "" : "; -v shows libbpf's log");
		*nocap = gs_bpf_errno_is_nocap(-ret);
		goto fail;
	}
	return p;
fail:
	gs_rtprobe_close(p);
	return NULL;
}

static void destroy_links(struct gs_rtbin *b)
{
	for (int k = 0; k < GS_RTP_COUNT; k++) {
		bpf_link__destroy(b->links[k]);
		b->links[k] = NULL;
	}
	if (b->mlink >= 0)
		close(b->mlink);
	b->mlink = -1;
}

/* Detach b's uprobes and take them off the counts. */
static void drop_links(struct gs_rtprobe *p, struct gs_rtbin *b)
{
	unsigned n = (unsigned)__builtin_popcount(b->attached);

	p->nlinks -= n <= p->nlinks ? n : p->nlinks;
	n = b->mlink >= 0 ? 1 : 2 * n;
	p->nfds -= n <= p->nfds ? n : p->nfds;
	b->attached = 0;
	destroy_links(b);
}

void gs_rtprobe_close(struct gs_rtprobe *p)
{
	int *fds;

	if (!p)
		return;
	/* The multi links all at once (their grace periods overlap), then the rest. */
	fds = p->nbins ? malloc(p->nbins * sizeof(*fds)) : NULL;
	if (fds) {
		for (unsigned i = 0; i < p->nbins; i++) {
			fds[i] = p->bins[i]->mlink;
			p->bins[i]->mlink = -1;
		}
		gs_uprobe_multi_close_all(fds, p->nbins);
		free(fds);
	}
	for (unsigned i = 0; i < p->nbins; i++) {
		destroy_links(p->bins[i]);
		free(p->bins[i]);
	}
	free(p->bins);
	goruntime_bpf__destroy(p->skel);
	free(p);
}

static struct gs_rtbin *find_bin(struct gs_rtprobe *p, dev_t dev, ino_t ino)
{
	for (unsigned i = 0; i < p->nbins; i++)
		if (p->bins[i]->dev == dev && p->bins[i]->ino == ino)
			return p->bins[i];
	return NULL;
}

static int add_bin(struct gs_rtprobe *p, struct gs_rtbin *b, struct gs_err *err)
{
	if (p->nbins == p->cap) {
		unsigned ncap = p->cap ? p->cap * 2 : 16;
		struct gs_rtbin **nb;

		if (ncap > MAX_BINS)
			return gs_errf(err, ENOSPC, "more than %d binaries probed", MAX_BINS);
		nb = realloc(p->bins, ncap * sizeof(*nb));
		if (!nb)
			return gs_errf(err, ENOMEM, "out of memory");
		p->bins = nb;
		p->cap = ncap;
	}
	p->bins[p->nbins++] = b;
	return 0;
}

/*
 * All of b's probes on one multi-uprobe link, the probe kind in each
 * cookie. 0 when b is settled (attached, or refused for itself: the notes
 * say why); -1 when the kernel has no multi links, and the caller falls
 * back to perf-event uprobes for this binary and every later one.
 */
static int attach_multi(struct gs_rtprobe *p, struct gs_rtbin *b,
			const struct gs_probe_point *pts, const int *slot, const char *path)
{
	uint64_t offs[GS_RTP_COUNT], cookies[GS_RTP_COUNT];
	unsigned n = 0, want = 0;
	bool pause_whole = true;
	int fd;

	for (int k = GS_RTP_STW_STOP; k <= GS_RTP_STW_START; k++)
		if (slot[k] < 0 || !pts[slot[k]].found)
			pause_whole = false;
	for (int k = 0; k < GS_RTP_COUNT; k++) {
		const struct gs_probe_point *pt = slot[k] >= 0 ? &pts[slot[k]] : NULL;

		if (!pt)
			continue;
		if (!pt->found) {
			snprintf(b->note[k], sizeof(b->note[k]), "%s: no %s", pt->why, loses[k]);
			continue;
		}
		/* A pause needs both ends. */
		if ((k == GS_RTP_STW_STOP || k == GS_RTP_STW_START) && !pause_whole) {
			snprintf(b->note[k], sizeof(b->note[k]),
				 "%s: not probed, its other half is missing", funcs[k]);
			continue;
		}
		offs[n] = pt->off;
		cookies[n] = ((uint64_t)k << GS_RT_COOKIE_PROBE_SHIFT) |
			     (pt->branch ? GS_RT_COOKIE_STACKCHECK : 0);
		want |= 1u << k;
		n++;
	}
	if (!n)
		return 0;
	/* At the functions' start, never a uretprobe on Go code (see goruntime.h). */
	fd = gs_uprobe_multi_attach(bpf_program__fd(p->skel->progs.gs_rt_multi), path, offs,
				    cookies, n);
	if (fd < 0) {
		int code = errno;

		if (code == EINVAL || code == EOPNOTSUPP || code == ENOSYS) {
			p->multi = false;
			if (gs_opts.verbose)
				gs_warn("multi-uprobe links refused (%s): one perf-event uprobe "
					"per probe from now on", strerror(code));
			memset(b->note, 0, sizeof(b->note));
			return -1;
		}
		b->attach_errno = code;
		for (int k = 0; k < GS_RTP_COUNT; k++)
			if (want & (1u << k))
				snprintf(b->note[k], sizeof(b->note[k]),
					 "%s: attach failed (%s): no %s", funcs[k], strerror(code),
					 loses[k]);
		return 0;
	}
	b->mlink = fd;
	b->attached = want;
	p->nlinks += n;
	p->nfds++;
	for (int k = 0; k < GS_RTP_COUNT; k++)
		if ((want & (1u << k)) && pts[slot[k]].why[0])
			snprintf(b->note[k], sizeof(b->note[k]), "%s", pts[slot[k]].why);
	return 0;
}

void gs_rtprobe_locate(int fd, struct gs_rtpoints *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; k < GS_RTP_COUNT; k++)
		out->pts[k].func = funcs[k];
	/*
	 * The library places each probe (probepoint.h): on the stack check's
	 * branch where there is one (see goruntime.h), else at the entry with
	 * a caveat.
	 */
	out->rc = gs_probe_points_fd(fd, out->pts, GS_RTP_COUNT, &out->err);
}

static void attach_all(struct gs_rtprobe *p, struct gs_rtbin *b, int fd, const char *path,
		       const struct gs_rtpoints *pre)
{
	struct gs_rtpoints *here = NULL;
	const struct gs_probe_point *pts;
	int slot[GS_RTP_COUNT];		/* pts index of each probe, or -1 */

	if (!pre) {
		here = malloc(sizeof(*here));
		if (!here) {
			for (int k = 0; k < GS_RTP_COUNT; k++)
				snprintf(b->note[k], sizeof(b->note[k]), "out of memory: no %s",
					 loses[k]);
			return;
		}
		gs_rtprobe_locate(fd, here);
		pre = here;
	}
	pts = pre->pts;
	for (int k = 0; k < GS_RTP_COUNT; k++)
		slot[k] = bpf_program__autoload(prog_for(p->skel, k)) ? k : -1;
	if (pre->rc < 0) {
		for (int k = 0; k < GS_RTP_COUNT; k++)
			if (slot[k] >= 0)
				snprintf(b->note[k], sizeof(b->note[k]), "%.100s: no %s",
					 pre->err.msg, loses[k]);
		goto out;
	}
	if (p->multi && attach_multi(p, b, pts, slot, path) == 0)
		goto done;
	for (int k = 0; k < GS_RTP_COUNT; k++) {
		const struct gs_probe_point *pt = slot[k] >= 0 ? &pts[slot[k]] : NULL;
		LIBBPF_OPTS(bpf_uprobe_opts, uo,
			    .bpf_cookie = pt && pt->branch ? GS_RT_COOKIE_STACKCHECK : 0);
		struct bpf_link *link;

		if (!pt)
			continue;
		if (!pt->found) {
			snprintf(b->note[k], sizeof(b->note[k]), "%s: no %s", pt->why, loses[k]);
			continue;
		}
		/* At the function's start, never a uretprobe on Go code (see goruntime.h). */
		link = bpf_program__attach_uprobe_opts(prog_for(p->skel, k), -1, path,
						       (size_t)pt->off, &uo);
		if (!link) {
			int code = errno;

			if (!b->attach_errno)
				b->attach_errno = code;
			snprintf(b->note[k], sizeof(b->note[k]), "%s: attach failed (%s): no %s",
				 funcs[k], strerror(code), loses[k]);
			continue;
		}
		b->links[k] = link;
		b->attached |= 1u << k;
		p->nlinks++;
		p->nfds += 2;	/* the perf event and the BPF link */
		if (pt->why[0])
			snprintf(b->note[k], sizeof(b->note[k]), "%s", pt->why);
	}
	/* A pause needs both ends. */
	if (!(b->attached & (1u << GS_RTP_STW_STOP)) != !(b->attached & (1u << GS_RTP_STW_START))) {
		for (int k = GS_RTP_STW_STOP; k <= GS_RTP_STW_START; k++) {
			if (b->links[k]) {
				bpf_link__destroy(b->links[k]);
				b->links[k] = NULL;
				b->attached &= ~(1u << k);
				p->nlinks--;
				p->nfds -= 2;
				snprintf(b->note[k], sizeof(b->note[k]),
					 "%s: not probed, its other half is missing", funcs[k]);
			}
		}
	}
done:
	p->last_attach_ns = now_ns();
out:
	free(here);
}

int gs_rtprobe_attach(struct gs_rtprobe *p, int pid, const struct gs_rtpoints *pre,
		      struct gs_rtbin **bin, bool *fresh, struct gs_err *err)
{
	struct gs_rtbin *b;
	char path[64];
	struct stat st;
	int fd;

	*fresh = false;
	fd = gs_proc_open_exe_stat(pid, &st, err);
	if (fd < 0)
		return -1;
	b = find_bin(p, st.st_dev, st.st_ino);
	if (b) {
		close(fd);
		*bin = b;
		return b->attached & (1u << GS_RTP_MARK_TERM) ? 0 :
		       gs_errf(err, ENOENT, "%s", b->note[GS_RTP_MARK_TERM]);
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	b->mlink = -1;
	/* The kernel resolves the magic link to the inode the process runs. */
	snprintf(path, sizeof(path), "%s/%d/exe", gs_proc_root(), pid);
	attach_all(p, b, fd, path, pre);
	close(fd);
	if (add_bin(p, b, err) < 0) {
		drop_links(p, b);
		free(b);
		return -1;
	}
	*bin = b;
	*fresh = true;
	if (!(b->attached & (1u << GS_RTP_MARK_TERM)))
		return gs_errf(err, ENOENT, "%s", b->note[GS_RTP_MARK_TERM]);
	return 0;
}

int gs_rtprobe_track(struct gs_rtprobe *p, int tgid, struct gs_err *err)
{
	__u32 key = (__u32)tgid;
	__u8 one = 1;

	if (!p->opts.filter)
		return 0;
	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.gs_rt_tgids), &key, &one, BPF_ANY))
		return gs_errf(err, errno, "tracking %d: %s", tgid, strerror(errno));
	return 0;
}

int gs_rtprobe_read(struct gs_rtprobe *p, int tgid, struct gs_rt_state *st)
{
	__u32 key = (__u32)tgid;

	if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.gs_rt_states), &key, st)) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	return 0;
}

uint64_t gs_rtprobe_take_imax(struct gs_rtprobe *p, int tgid)
{
	__u32 key = (__u32)tgid;
	__u64 v = 0;

	if (bpf_map_lookup_and_delete_elem(bpf_map__fd(p->skel->maps.gs_rt_imax), &key, &v))
		return 0;
	return v;
}

void gs_rtprobe_forget(struct gs_rtprobe *p, int tgid)
{
	__u32 key = (__u32)tgid;

	bpf_map_delete_elem(bpf_map__fd(p->skel->maps.gs_rt_states), &key);
	bpf_map_delete_elem(bpf_map__fd(p->skel->maps.gs_rt_imax), &key);
	bpf_map_delete_elem(bpf_map__fd(p->skel->maps.gs_rt_tgids), &key);
}

void gs_rtprobe_prune(struct gs_rtprobe *p, bool (*keep)(void *ctx, int tgid), void *ctx)
{
	int fd = bpf_map__fd(p->skel->maps.gs_rt_states);
	__u32 key, next, drop[256];
	unsigned ndrop = 0;
	void *prev = NULL;

	/* Collect first: deleting while iterating restarts the walk. */
	while (ndrop < 256 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (!keep(ctx, (int)next))
			drop[ndrop++] = next;
		key = next;
		prev = &key;
	}
	for (unsigned i = 0; i < ndrop; i++)
		gs_rtprobe_forget(p, (int)drop[i]);
}

void gs_rtprobe_stats(struct gs_rtprobe *p, uint64_t out[GS_RTS_COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(out, 0, GS_RTS_COUNT * sizeof(out[0]));
	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < GS_RTS_COUNT; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.gs_rt_stats), &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
}

void gs_rtprobe_counts(const struct gs_rtprobe *p, unsigned *bins, unsigned *links)
{
	*bins = p->nbins;
	*links = p->nlinks;
}

unsigned gs_rtprobe_fds(const struct gs_rtprobe *p, unsigned *per_bin)
{
	unsigned probes = 0;

	for (int k = 0; k < GS_RTP_COUNT; k++)
		probes += bpf_program__autoload(prog_for(p->skel, k));
	*per_bin = p->multi ? 1 : 2 * probes;
	return p->nfds;
}

const char *gs_rtprobe_link_kind(const struct gs_rtprobe *p)
{
	return p->multi ? "multi" : "perf";
}

void gs_rtprobe_settle(struct gs_rtprobe *p)
{
	uint64_t until = p->last_attach_ns + GS_RTPROBE_SETTLE_NS, now = now_ns();
	struct timespec ts;

	if (!p->last_attach_ns || now >= until)
		return;
	ts.tv_sec = (time_t)((until - now) / 1000000000ull);
	ts.tv_nsec = (long)((until - now) % 1000000000ull);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void gs_rtprobe_detach(struct gs_rtprobe *p, struct gs_rtbin *bin)
{
	for (unsigned i = 0; i < p->nbins; i++) {
		if (p->bins[i] != bin)
			continue;
		drop_links(p, bin);
		p->bins[i] = p->bins[--p->nbins];
		free(bin);
		return;
	}
}
