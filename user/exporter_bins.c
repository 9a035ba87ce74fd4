// SPDX-License-Identifier: MIT
/*
 * The exporter's binaries and its descriptor accounting (exporter_bins.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfload.h"
#include "classify.h"
#include "exporter_bins.h"
#include "exporter_worker.h"
#include "filekey.h"
#include "output.h"

#define MAX_BINS	4096		/* as probe_bpf.c */
#define FD_LOG_GAP_NS	(60 * 1000000000ull)	/* descriptor errors: one line a minute */

/* ---- descriptor exhaustion ------------------------------------------------ */

bool exporter_fd_error(const struct gs_err *err)
{
	return err->code == EMFILE || err->code == ENFILE;
}

/*
 * EMFILE/ENFILE on /proc or an executable: the process is there, goscope
 * could not look. Counted, logged as an error (once a minute), never taken
 * for a process that has gone; the next rescan tries again.
 */
void exporter_note_fd_error(struct exporter *x, int pid, const struct gs_err *err)
{
	uint64_t now = exporter_now_ns();

	x->n_fd_errors++;
	if (x->fd_error_logged_ns && now - x->fd_error_logged_ns < FD_LOG_GAP_NS)
		return;
	x->fd_error_logged_ns = now;
	gs_warn("exporter: error: out of file descriptors reading process %d (%s); it stays "
		"tracked or is retried at the next rescan (%llu such errors so far, "
		"goscope_exporter_fd_errors_total); raise LimitNOFILE", pid, err->msg,
		x->n_fd_errors);
}

/* ---- binaries ---------------------------------------------------------- */

static void bin_free(struct exporter *x, struct xbin *b);

static struct xbin **bin_slot(struct exporter *x, dev_t dev, ino_t ino)
{
	return &x->bin_hash[gs_filekey_bucket(dev, ino, XBIN_BUCKETS)];
}

static struct xbin *bin_find(const struct exporter *x, dev_t dev, ino_t ino)
{
	struct xbin *b = x->bin_hash[gs_filekey_bucket(dev, ino, XBIN_BUCKETS)];

	while (b && !(b->dev == dev && b->ino == ino))
		b = b->hnext;
	return b;
}

/* Entry i out of the table and the hash, freed (uprobes detached). */
static void bin_drop(struct exporter *x, size_t i)
{
	struct xbin *b = x->bins[i], **pp = bin_slot(x, b->dev, b->ino);

	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
	x->bins[i] = x->bins[--x->nbins];
	bin_free(x, b);
}

/*
 * The table is full: drop the binary no tracked process runs that has been
 * unused longest (its uprobes go too), whatever BIN_LINGER_NS says. A
 * thousand short-lived binaries a minute must not lock out the next one.
 */
static bool bin_evict(struct exporter *x)
{
	size_t best = x->nbins;

	for (size_t i = 0; i < x->nbins; i++)
		if (!x->bins[i]->refs &&
		    (best == x->nbins || x->bins[i]->unused_since < x->bins[best]->unused_since))
			best = i;
	if (best == x->nbins)
		return false;
	bin_drop(x, best);
	x->n_bins_evicted++;
	return true;
}

struct xbin *exporter_bin_get(struct exporter *x, dev_t dev, ino_t ino)
{
	struct xbin *b = bin_find(x, dev, ino), **slot;

	if (b) {
		b->refs++;
		return b;
	}
	if (x->nbins >= MAX_BINS && !bin_evict(x)) {
		uint64_t now = exporter_now_ns();

		x->n_bins_overflow++;
		if (!x->overflow_logged_ns || now - x->overflow_logged_ns >= FD_LOG_GAP_NS) {
			x->overflow_logged_ns = now;
			gs_warn("exporter: error: %d executables with running processes: a process "
				"of one more is not tracked (%llu so far, "
				"goscope_exporter_binaries_overflow_total)", MAX_BINS,
				x->n_bins_overflow);
		}
		return NULL;
	}
	if (x->nbins == x->capbins) {
		size_t cap = x->capbins ? x->capbins * 2 : 16;
		struct xbin **nb;

		if (cap > MAX_BINS)
			cap = MAX_BINS;
		nb = realloc(x->bins, cap * sizeof(*nb));
		if (!nb)
			return NULL;
		x->bins = nb;
		x->capbins = cap;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->dev = dev;
	b->ino = ino;
	b->refs = 1;
	slot = bin_slot(x, dev, ino);
	b->hnext = *slot;
	*slot = b;
	x->bins[x->nbins++] = b;
	return b;
}

void exporter_bin_put(struct xbin *b)
{
	if (b && b->refs && --b->refs == 0)
		b->unused_since = exporter_now_ns();
}

static void bin_free(struct exporter *x, struct xbin *b)
{
	/* At exit gs_rtprobe_close removes every uprobe at once (one at a time is slow). */
	if (b->rtbin && x->rp && !x->closing)
		gs_rtprobe_detach(x->rp, b->rtbin);
	free(b->lay);
	free(b);
}

/* Binaries unused for long enough: uprobes off, layout freed. */
void exporter_bins_release(struct exporter *x, uint64_t now, bool all)
{
	size_t i = 0;

	while (i < x->nbins) {
		struct xbin *b = x->bins[i];

		if (!all && (b->refs || now - b->unused_since < x->bin_linger_ns)) {
			i++;
			continue;
		}
		bin_drop(x, i);
	}
}

static void note_probe(const struct xproc *p, const struct gs_rtbin *rb)
{
	if (!gs_opts.verbose)
		return;
	for (int k = 0; k < GS_RTP_COUNT; k++)
		if (rb->note[k][0])
			gs_warn("exporter: %s (PID %d, %s): %s", p->exe, p->pid,
				p->version[0] ? p->version : "unknown Go version", rb->note[k]);
}

/* The worker's results for (dev, ino), when they are being handed over. */
static struct xparsed *handoff_for(const struct exporter *x, dev_t dev, ino_t ino)
{
	return x->handoff && x->handoff_dev == dev && x->handoff_ino == ino ? x->handoff : NULL;
}

unsigned exporter_bin_wants(const struct exporter *x, dev_t dev, ino_t ino)
{
	const struct xbin *b;
	unsigned want = 0;

	if (handoff_for(x, dev, ino))
		return 0;
	b = bin_find(x, dev, ino);
	if (x->o.live && (!b || !b->lay_tried))
		want |= XW_WANT_LAYOUT;
	if (x->rp && !x->uprobes_denied && (!b || !b->probe_tried))
		want |= XW_WANT_POINTS;
	return want;
}

/*
 * Uprobes and layout of p's binary, the first time a process of it is seen,
 * from what the worker found (the collector parses only when there is no
 * worker, or the worker's allocation failed).
 */
void exporter_bin_setup(struct exporter *x, struct xproc *p)
{
	struct xbin *b = p->bin;
	struct xparsed *h = handoff_for(x, b->dev, b->ino);
	struct gs_err err = { 0 };

	if (x->rp && !x->uprobes_denied && !b->probe_tried) {
		struct gs_rtbin *rb = NULL;
		bool fresh = false;
		unsigned per_bin = 0, held = gs_rtprobe_fds(x->rp, &per_bin);

		if (held + per_bin > x->uprobe_fd_budget) {
			/* Counted per binary; said once, the counter tells the rest. */
			b->probe_tried = true;
			if (!x->n_probe_skipped[XSKIP_FD_BUDGET]++)
				gs_warn("exporter: error: the descriptor limit leaves %lu descriptors for "
					"uprobes, all in use: %s (PID %d) and later binaries get no GC "
					"probes (goscope_exporter_probe_skipped_total"
					"{reason=\"fd_budget\"}); raise LimitNOFILE",
					x->uprobe_fd_budget, p->exe, p->pid);
			goto layout;
		}
		if (gs_rtprobe_attach(x->rp, p->pid, h ? h->pts : NULL, &rb, &fresh, &err) < 0) {
			if (gs_proc_gone(&err) && !rb)
				goto layout;	/* try again with another process of it */
			if (!rb && err.code == ENOSPC)
				x->n_probe_skipped[XSKIP_BINS_FULL]++;
			else if (!rb && exporter_fd_error(&err))
				exporter_note_fd_error(x, p->pid, &err);
			if (gs_opts.verbose)
				gs_warn("exporter: %s (PID %d): no GC probes: %s", p->exe, p->pid,
					err.msg);
		}
		if (rb && fresh && (rb->attach_errno == EMFILE || rb->attach_errno == ENFILE)) {
			struct gs_err e2 = { rb->attach_errno, "" };

			snprintf(e2.msg, sizeof(e2.msg), "attaching uprobes: %s",
				 strerror(rb->attach_errno));
			x->n_probe_skipped[XSKIP_NO_FDS]++;
			exporter_note_fd_error(x, p->pid, &e2);
		}
		b->probe_tried = true;
		b->rtbin = rb;
		if (rb && fresh)
			note_probe(p, rb);
		/*
		 * Refused for want of privilege, not for this binary: since the
		 * fix of CVE-2025-38466 (Linux 6.16, and the stable kernels from
		 * July 2025) a uprobe perf event needs CAP_SYS_ADMIN, CAP_PERFMON
		 * no longer suffices. Say so once, stop trying.
		 */
		if (rb && !rb->attached &&
		    (rb->attach_errno == EACCES || rb->attach_errno == EPERM)) {
			x->uprobes_denied = true;
			gs_warn("exporter: the kernel refused uprobes (%s): no GC or stop-the-world "
				"metrics; uprobes need CAP_SYS_ADMIN on recent kernels "
				"(docs/deploy.md)", strerror(rb->attach_errno));
		}
	}
layout:
	if (x->o.live && !b->lay_tried && h) {
		/* Loaded by the worker with the class. */
		b->lay_tried = true;
		b->lay = h->lay;
		h->lay = NULL;
	}
	if (x->o.live && !b->lay_tried) {
		int fd = gs_proc_open_exe(p->pid, &err);

		if (fd < 0) {
			if (exporter_fd_error(&err))
				exporter_note_fd_error(x, p->pid, &err);
			else if (!gs_proc_gone(&err))
				b->lay_tried = true;
			return;
		}
		b->lay_tried = true;
		b->lay = malloc(sizeof(*b->lay));
		if (b->lay && gs_rt_layout_load(fd, b->lay, &err) < 0) {
			if (gs_opts.verbose)
				gs_warn("exporter: %s: no live reads: %s", p->exe, err.msg);
			free(b->lay);
			b->lay = NULL;
		}
		close(fd);
	}
}
