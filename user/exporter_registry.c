// SPDX-License-Identifier: MIT
/*
 * goscope exporter: the registry of tracked Go processes.
 *
 * Sources. Exec and exit events from the BPF tracer keep it current within
 * one poll; a /proc rescan every --rescan (and at once after lost events)
 * adds what the events missed and drops what is gone. Everything here runs
 * on the collector thread: the ring-buffer callback only queues, and a
 * binary not in the class cache is parsed by a worker (exporter_worker.h),
 * its processes added when the result is in, so a big or hostile binary
 * delays neither the events behind it nor a scrape.
 *
 * Identity. A process is (PID, start time in clock ticks); its binary is the
 * (dev, inode) of /proc/PID/exe. An exec event for a tracked PID with the
 * same start time and binary is the start-up overlap of tracer and first
 * scan (or an exec of itself) and changes nothing; with another binary the
 * old entry and its BPF state go and the new image is examined afresh.
 *
 * Per binary, once: uprobes (probe_bpf.h, attached with pid -1, so every
 * process of the binary counts from its first GC on, including ones
 * started later) and the live-read layout (liveread.h). A binary no
 * tracked process runs any more keeps them for BIN_LINGER_NS, for programs
 * that run again and again, then its uprobes are detached: a long-lived
 * exporter on a host that builds and runs `go test` binaries all day must
 * not collect uprobes on deleted inodes.
 */
#include "exporter.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfload.h"
#include "classify.h"
#include "exporter_bins.h"
#include "exporter_worker.h"
#include "godur.h"
#include "modinfo.h"
#include "nofile.h"
#include "output.h"
#include "versiontext.h"

#define LIVE_TRIES	5		/* a process caught before its runtime is mapped */
#define CGROUP_CAP	8192
/*
 * Descriptors kept for everything but uprobes: the HTTP connections (128),
 * the BPF objects, the worker's and the rescans' transient opens. A probed
 * binary holds one more (its multi-uprobe link), or two per probe where
 * the kernel has only perf-event uprobes.
 */
#define FD_RESERVE	256
#define FIRST_WAIT_NS	(30 * 1000000000ull)	/* the first scan waits at most this for parses */

uint64_t exporter_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int exporter_init(struct exporter *x, const struct exporter_opts *o, struct gs_err *err)
{
	long hz = sysconf(_SC_CLK_TCK);

	memset(x, 0, sizeof(*x));
	x->o = *o;
	x->bpf_mode = "off";
	x->ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
	x->bin_linger_ns = BIN_LINGER_NS;
	/*
	 * Test hook: GOSCOPE_TEST_BIN_LINGER=DURATION keeps a binary no process
	 * runs for DURATION instead of a minute, so that a test sees its entry
	 * go and a new process of it set up again (from the class cache). Said
	 * on stderr; a value that does not parse is refused.
	 */
	{
		const char *hook = getenv("GOSCOPE_TEST_BIN_LINGER");
		struct gs_err perr = { 0 };
		uint64_t ns;

		if (hook && *hook) {
			if (gs_parse_duration(hook, &ns, &perr) < 0)
				return gs_errf(err, EINVAL, "test hook GOSCOPE_TEST_BIN_LINGER: %s",
					       perr.msg);
			x->bin_linger_ns = ns;
			gs_warn("exporter: test hook GOSCOPE_TEST_BIN_LINGER: a binary no process "
				"runs is released after %s", hook);
		}
	}
	/*
	 * Services get a soft limit of 1024 whatever their hard limit; every
	 * probed binary costs one to a dozen of them. Take what the hard limit
	 * allows, and give uprobes what is left beyond FD_RESERVE.
	 */
	{
		rlim_t soft = gs_raise_nofile(RLIM_INFINITY);

		x->uprobe_fd_budget = soft > FD_RESERVE ? (unsigned long)(soft - FD_RESERVE) : 0;
	}
	if (pthread_mutex_init(&x->snap_lock, NULL))
		return gs_errf(err, ENOMEM, "cannot create a lock");
	if (pthread_mutex_init(&x->scrape_lock, NULL)) {
		pthread_mutex_destroy(&x->snap_lock);
		return gs_errf(err, ENOMEM, "cannot create a lock");
	}
	{
		struct gs_err werr = { 0 };

		x->worker = exporter_worker_start(&werr);
		if (!x->worker && werr.code == EINVAL) {
			pthread_mutex_destroy(&x->scrape_lock);
			pthread_mutex_destroy(&x->snap_lock);
			return gs_errf(err, EINVAL, "%s", werr.msg);
		}
		if (!x->worker)
			gs_warn("exporter: cannot start the parse worker (%s): binaries are parsed "
				"on the collector thread", werr.msg);
	}
	return 0;
}

/* ---- processes ---------------------------------------------------------- */

/* What /proc says about a PID that may be a Go process. */
struct xfound {
	int pid;
	struct gs_proc_stat st;
	struct gs_class *cls;		/* a reference; NULL: not Go or unreadable */
	dev_t dev;
	ino_t ino;
};

enum { XF_GONE, XF_DENIED, XF_OTHER, XF_GO, XF_PENDING };

static int examine_failed(struct exporter *x, struct xfound *f, struct gs_proc_scan *s,
			  const struct gs_err *err)
{
	if (exporter_fd_error(err)) {
		exporter_note_fd_error(x, f->pid, err);
		return XF_OTHER;	/* not "gone": the next rescan tries again */
	}
	if (s)
		gs_proc_scan_note(s, f->pid, err);
	return gs_proc_gone(err) ? XF_GONE : gs_proc_denied(err) ? XF_DENIED : XF_OTHER;
}

/*
 * Classify pid's executable through the cache; a binary not in it goes to
 * the worker (XF_PENDING: on_parsed adds the process when it is done).
 * f->cls is set for XF_GO only; a rescan's scan s (may be NULL) counts what
 * could not be read.
 */
static int examine_exe(struct exporter *x, struct xfound *f, struct gs_proc_scan *s)
{
	struct gs_err err = { 0 };
	struct stat sb;

	if (x->worker) {
		char path[64];
		unsigned want;
		int r;

		/* stat() follows the magic link, with open()'s access check, and no fd. */
		snprintf(path, sizeof(path), "%s/%d/exe", gs_proc_root(), f->pid);
		if (stat(path, &sb) < 0) {
			int e = errno == ENOENT ? ESRCH : errno;

			gs_errf(&err, e, "%s: %s", path, strerror(errno));
			return examine_failed(x, f, s, &err);
		}
		if (exporter_worker_skipped(x->worker, &sb))
			return XF_OTHER;
		f->cls = gs_class_lookup(&sb);
		/*
		 * A class in the cache for a Go binary without its entry (or
		 * not set up yet) goes to the worker too: loading its layout
		 * and placing its uprobes parse the file, which the collector
		 * never does.
		 */
		want = exporter_bin_wants(x, sb.st_dev, sb.st_ino);
		if (f->cls && want && f->cls->verdict != GS_NOT_GO) {
			gs_class_put(f->cls);
			f->cls = NULL;
		}
		if (!f->cls) {
			r = exporter_worker_submit(x->worker, f->pid, f->st.starttime, &sb, want,
						   &err);
			if (r < 0)
				return examine_failed(x, f, s, &err);
			return r == XW_PENDING ? XF_PENDING : XF_OTHER;
		}
	} else {
		f->cls = gs_proc_classify_exe(f->pid, &sb, &err);
		if (!f->cls)
			return examine_failed(x, f, s, &err);
	}
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	if (f->cls->verdict == GS_NOT_GO) {
		gs_class_put(f->cls);
		f->cls = NULL;
		return XF_OTHER;
	}
	return XF_GO;
}

static int examine(struct exporter *x, int pid, struct xfound *f)
{
	struct gs_err err = { 0 };

	memset(f, 0, sizeof(*f));
	f->pid = pid;
	if (gs_proc_read_stat(pid, &f->st, &err) < 0)
		return examine_failed(x, f, NULL, &err);
	if (f->st.state == 'Z' || f->st.state == 'X')
		return XF_GONE;
	if (f->st.flags & GS_PF_KTHREAD)
		return XF_OTHER;
	return examine_exe(x, f, NULL);
}

static void set_module(struct xproc *p, const struct gs_class *c)
{
	struct gs_span path, ver;
	size_t n;

	p->module[0] = '\0';
	if (!c->modinfo || !c->modinfo_len)
		return;
	if (!gs_mi_main(c->modinfo, c->modinfo_len, &path, &ver) || !path.n)
		if (!gs_mi_path(c->modinfo, c->modinfo_len, &path))
			return;
	n = path.n < sizeof(p->module) - 1 ? path.n : sizeof(p->module) - 1;
	memcpy(p->module, path.p, n);
	p->module[n] = '\0';
}

static void set_container(struct xproc *p)
{
	char *buf = malloc(CGROUP_CAP);
	struct gs_err err = { 0 };
	ssize_t n;

	p->container_id[0] = '\0';
	if (!buf)
		return;
	n = gs_proc_read(p->pid, "cgroup", buf, CGROUP_CAP, NULL, &err);
	if (n < 0 || !gs_parse_cgroup_id(buf, (size_t)n, p->container_id))
		p->container_id[0] = '\0';
	free(buf);
}

static void proc_free(struct xproc *p)
{
	free(p->exe);
	free(p);
}

/* Start tracking f (its class reference is released here). */
static void proc_add(struct exporter *x, struct xfound *f)
{
	char path[PATH_MAX + 16];
	struct gs_err err = { 0 };
	struct xproc *p = calloc(1, sizeof(*p));
	const char *v;

	if (!p)
		goto out;
	p->pid = f->pid;
	p->starttime = f->st.starttime;
	p->gen = x->gen;
	v = gs_class_version(f->cls);
	snprintf(p->version, sizeof(p->version), "%s", strcmp(v, "unknown") ? v : "");
	p->support = gs_go_support(f->cls->version);
	set_module(p, f->cls);
	if (gs_proc_exe_path(f->pid, path, sizeof(path), &err) < 0)
		path[0] = '\0';
	p->exe = strdup(path);
	gs_proc_read_name(p->pid, f->st.comm, NULL, p->name, sizeof(p->name));
	set_container(p);
	p->bin = exporter_bin_get(x, f->dev, f->ino);
	if (!p->exe || !p->bin || wmap_put(&x->procs, (uint64_t)p->pid, p) < 0) {
		exporter_bin_put(p->bin);
		proc_free(p);
		goto out;
	}
	exporter_bin_setup(x, p);
	x->dirty = true;
out:
	gs_class_put(f->cls);
	f->cls = NULL;
}

static void proc_remove(struct exporter *x, struct xproc *p)
{
	wmap_del(&x->procs, (uint64_t)p->pid);
	/* Its BPF state goes too: a later process with this PID starts from zero. */
	if (x->rp)
		gs_rtprobe_forget(x->rp, p->pid);
	exporter_bin_put(p->bin);
	proc_free(p);
	x->dirty = true;
}

/* Is p (same PID and start time) still running? */
static bool proc_alive(const struct xproc *p)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };

	if (gs_proc_read_stat(p->pid, &st, &err) < 0)
		return !gs_proc_gone(&err);
	return st.starttime == p->starttime && st.state != 'Z' && st.state != 'X';
}

/* ---- events ------------------------------------------------------------- */

int exporter_on_event(void *ctx, const struct gs_exec_event *ev)
{
	struct exporter *x = ctx;

	if (ev->type == GS_EV_EXEC)
		x->n_exec++;
	else
		x->n_exit++;
	if (x->qn == x->qcap) {
		size_t cap = x->qcap ? x->qcap * 2 : 256;
		struct xevent *nq;

		if (cap > XQ_MAX || !(nq = realloc(x->q, cap * sizeof(*nq)))) {
			/* Dropped: the rescan that follows finds what it meant. */
			x->lost_queue++;
			x->rescan_soon = true;
			return 0;
		}
		x->q = nq;
		x->qcap = cap;
	}
	x->q[x->qn++] = (struct xevent){ ev->type, ev->tgid, ev->start_ns };
	return 0;
}

static void on_exec(struct exporter *x, int pid)
{
	struct xproc *p = wmap_get(&x->procs, (uint64_t)pid);
	struct xfound f;
	int r = examine(x, pid, &f);

	if (p) {
		if (r == XF_GO && f.st.starttime == p->starttime && f.dev == p->bin->dev &&
		    f.ino == p->bin->ino) {
			gs_class_put(f.cls);
			return;		/* already tracked as it is */
		}
		proc_remove(x, p);	/* its image was replaced */
	}
	if (r == XF_GO)
		proc_add(x, &f);
}

/* A worker finished the binary pid waited for (exporter_worker.h). */
static void on_parsed(void *ctx, int pid, unsigned long long starttime, struct gs_class *cls,
		      dev_t dev, ino_t ino, struct xparsed *res, const struct gs_err *err)
{
	struct exporter *x = ctx;
	struct xproc *p = wmap_get(&x->procs, (uint64_t)pid);

	if (p && p->starttime == starttime && p->bin->dev == dev && p->bin->ino == ino)
		return;
	if (!cls) {
		/* Its process left before the worker opened it: queue the next waiter. */
		if (gs_proc_gone(err))
			on_exec(x, pid);
		else if (exporter_fd_error(err))
			exporter_note_fd_error(x, pid, err);	/* the next rescan tries again */
		else if (gs_opts.verbose)
			gs_warn("exporter: process %d: %s", pid, err->msg);
		return;
	}
	if (cls->verdict == GS_NOT_GO)
		return;
	x->handoff = res;
	x->handoff_dev = dev;
	x->handoff_ino = ino;
	on_exec(x, pid);	/* a cache hit now */
	x->handoff = NULL;
}

static void reap(struct exporter *x)
{
	exporter_worker_reap(x->worker, on_parsed, x);
}

static void on_exit_event(struct exporter *x, const struct xevent *e)
{
	struct xproc *p = wmap_get(&x->procs, (uint64_t)e->tgid);

	if (!p)
		return;
	/* Another process with a reused PID stays; so does one whose exit this is not. */
	if (e->start_ns / x->ns_per_tick != p->starttime && proc_alive(p))
		return;
	proc_remove(x, p);
}

void exporter_drain(struct exporter *x)
{
	reap(x);
	for (size_t i = 0; i < x->qn; i++) {
		const struct xevent *e = &x->q[i];

		if (e->tgid == 0 || e->tgid > INT_MAX)
			continue;
		if (e->type == GS_EV_EXEC)
			on_exec(x, (int)e->tgid);
		else
			on_exit_event(x, e);
	}
	x->qn = 0;
}

/* ---- rescan ------------------------------------------------------------- */

static bool keep_state(void *ctx, int tgid)
{
	struct exporter *x = ctx;

	if (wmap_get(&x->procs, (uint64_t)tgid))
		return true;
	/* Not tracked (yet): while it runs, a rescan or its exec event decides. */
	return kill(tgid, 0) == 0 || errno == EPERM;
}

/* Same binary as tracked? stat() follows the magic link to the running inode. */
static bool same_binary(const struct xproc *p)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%d/exe", gs_proc_root(), p->pid);
	if (stat(path, &sb) < 0)
		return true;	/* cannot tell: the exit will be seen */
	return sb.st_dev == p->bin->dev && sb.st_ino == p->bin->ino;
}

/*
 * Tracked, not seen by the scan: gone, unless its /proc entry could not be
 * read for want of descriptors (the scan skips what it cannot read).
 */
static bool still_running(struct exporter *x, const struct xproc *p)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };

	if (gs_proc_read_stat(p->pid, &st, &err) < 0) {
		if (!exporter_fd_error(&err))
			return false;
		exporter_note_fd_error(x, p->pid, &err);
		return true;
	}
	return st.starttime == p->starttime && st.state != 'Z' && st.state != 'X';
}

void exporter_rescan(struct exporter *x)
{
	struct gs_proc_scan s = { 0 };
	struct gs_err err = { 0 };
	struct xfound f;
	bool first = x->n_rescans == 0;

	x->gen++;
	x->n_rescans++;
	x->rescan_soon = false;
	reap(x);
	if (gs_proc_scan_open(&s, &err) < 0) {
		if (exporter_fd_error(&err))
			exporter_note_fd_error(x, 0, &err);
		else
			gs_warn("exporter: rescan: %s", err.msg);
		return;
	}
	memset(&f, 0, sizeof(f));
	while (gs_proc_scan_next(&s, &f.st) > 0) {
		struct xproc *p = wmap_get(&x->procs, (uint64_t)f.st.pid);
		int r;

		f.pid = f.st.pid;
		if (p && p->starttime == f.st.starttime && same_binary(p)) {
			p->gen = x->gen;
			continue;
		}
		r = examine_exe(x, &f, &s);
		if (p) {
			proc_remove(x, p);
			x->n_rescan_gone++;
		}
		if (r != XF_GO)
			continue;
		if (!first)
			x->n_rescan_found++;
		proc_add(x, &f);
	}
	gs_proc_scan_close(&s);
	x->uninspectable = s.denied;

	/* Tracked but not seen: the exit event was lost. */
	{
		size_t n = 0;
		void **vals = wmap_values(&x->procs, &n);

		for (size_t i = 0; vals && i < n; i++) {
			struct xproc *p = vals[i];

			if (p->gen != x->gen && still_running(x, p)) {
				p->gen = x->gen;
			} else if (p->gen != x->gen) {
				proc_remove(x, p);
				x->n_rescan_gone++;
			}
		}
		free(vals);
	}
	if (x->rp)
		gs_rtprobe_prune(x->rp, keep_state, x);
	exporter_bins_release(x, exporter_now_ns(), false);
	/*
	 * Before the first snapshot, wait for the worker: the processes already
	 * running are in the first exposition, as when parsing was inline. Each
	 * parse has its deadline; the whole wait ends early when SIGINT or
	 * SIGTERM is pending (blocked until the main thread waits for them), so
	 * a stop during start-up is as quick as one later.
	 */
	if (first) {
		uint64_t until = exporter_now_ns() + FIRST_WAIT_NS;
		struct timespec ts = { 0, 5000000 };
		sigset_t pend;

		while (exporter_worker_pending(x->worker) && exporter_now_ns() < until) {
			if (sigpending(&pend) == 0 &&
			    (sigismember(&pend, SIGTERM) == 1 || sigismember(&pend, SIGINT) == 1))
				break;
			nanosleep(&ts, NULL);
			reap(x);
		}
	}
}

/* ---- sampling ------------------------------------------------------------ */

static void sample_live(struct xproc *p)
{
	struct gs_err err = { 0 };

	if (p->live_denied || !p->bin->lay)
		return;
	if (!p->live_ok) {
		if (p->live_tries >= LIVE_TRIES)
			return;
		p->live_tries++;
		if (gs_live_attach(&p->live, p->pid, p->bin->lay, &err) < 0) {
			if (err.code == EPERM || err.code == EACCES)
				p->live_denied = true;
			return;
		}
		p->live_ok = true;
	}
	if (gs_live_sample(&p->live, &p->ls, &err) < 0) {
		if (err.code == EPERM || err.code == EACCES) {
			p->live_denied = true;
			p->have_live = false;
		}
		/* Gone: the exit event or rescan removes it; keep the last values. */
		return;
	}
	p->have_live = true;
}

void exporter_sample(struct exporter *x)
{
	size_t n = 0;
	void **vals;

	reap(x);
	vals = wmap_values(&x->procs, &n);

	for (size_t i = 0; vals && i < n; i++) {
		struct xproc *p = vals[i];
		const struct gs_rtbin *rb = p->bin->rtbin;

		if (x->rp && rb && rb->attached) {
			/* No entry yet: no event since the probes went in, i.e. zero. */
			gs_rtprobe_read(x->rp, p->pid, &p->rt);
			p->have_rt = true;
		}
		if (x->o.live)
			sample_live(p);
	}
	free(vals);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct xproc *x = *(const struct xproc *const *)a;
	const struct xproc *y = *(const struct xproc *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

struct xproc **exporter_sorted(const struct exporter *x, size_t *n)
{
	struct xproc **v = (struct xproc **)wmap_values(&x->procs, n);

	if (!v) {
		*n = 0;
		return NULL;
	}
	qsort(v, *n, sizeof(*v), cmp_pid);
	return v;
}

void exporter_fini(struct exporter *x)
{
	size_t n = 0;
	void **vals;

	exporter_worker_stop(x->worker);	/* never waits for a parse */
	x->worker = NULL;
	vals = wmap_values(&x->procs, &n);

	for (size_t i = 0; vals && i < n; i++) {
		struct xproc *p = vals[i];

		exporter_bin_put(p->bin);
		proc_free(p);
	}
	free(vals);
	wmap_free(&x->procs);
	x->closing = true;
	exporter_bins_release(x, 0, true);
	free(x->bins);
	free(x->q);
	exporter_snap_free(x->snap);
	pthread_mutex_destroy(&x->snap_lock);
	pthread_mutex_destroy(&x->scrape_lock);
}
