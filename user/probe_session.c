// SPDX-License-Identifier: MIT
/*
 * probe's session (probe_session.h): targets, layouts per binary, rescans,
 * exec events and exits.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bpfload.h"
#include "golist.h"
#include "output.h"
#include "probe_session.h"
#include "versiontext.h"

static bool grow(void **p, unsigned *cap, unsigned n, size_t elem)
{
	unsigned ncap;
	void *np;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > MAX_TARGETS)
		return false;
	np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* Still the same process (not exited, not a zombie, PID not reused)? */
static bool alive(const struct gs_ptarget *t)
{
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_read_stat(t->pid, &st, &err) < 0)
		return !gs_proc_gone(&err);
	return st.starttime == t->starttime && st.state != 'Z' && st.state != 'X';
}

static const struct layout_ent *layout_for(struct probe *p, int pid)
{
	struct layout_ent *le;
	struct stat sb;
	struct gs_err err;
	int fd;

	fd = gs_proc_open_exe_stat(pid, &sb, &err);
	if (fd < 0)
		return NULL;
	for (unsigned i = 0; i < p->nlays; i++) {
		if (p->lays[i]->dev == sb.st_dev && p->lays[i]->ino == sb.st_ino) {
			close(fd);
			return p->lays[i];
		}
	}
	le = calloc(1, sizeof(*le));
	if (!le || !grow((void **)&p->lays, &p->caplays, p->nlays, sizeof(*p->lays))) {
		free(le);
		close(fd);
		return NULL;
	}
	le->dev = sb.st_dev;
	le->ino = sb.st_ino;
	if (gs_rt_layout_load(fd, &le->lay, &err) == 0)
		le->ok = true;
	else
		snprintf(le->err, sizeof(le->err), "%.100s", err.msg);
	close(fd);
	p->lays[p->nlays++] = le;
	return le;
}

static void live_setup(struct probe *p, struct gs_ptarget *t)
{
	const struct layout_ent *le = layout_for(p, t->pid);
	struct gs_err err;

	if (!le) {
		snprintf(t->live_err, sizeof(t->live_err), "executable unreadable");
		return;
	}
	if (!le->ok) {
		snprintf(t->live_err, sizeof(t->live_err), "%s", le->err);
		return;
	}
	if (gs_live_attach(&t->live, t->pid, &le->lay, &err) < 0) {
		snprintf(t->live_err, sizeof(t->live_err), "%.100s", err.msg);
		return;
	}
	t->live_ok = true;
}

static void note_bin(const struct gs_ptarget *t)
{
	for (int k = 0; k < GS_RTP_COUNT; k++)
		if (t->bin->note[k][0])
			gs_warn("PID %d (%s, %s): %s", t->pid, t->name,
				t->version[0] ? t->version : "unknown Go version", t->bin->note[k]);
}

/*
 * Start probing pid, whose stat the caller may have read already (known,
 * else NULL). On failure err says why (ESRCH: gone).
 */
int probe_add_target(struct probe *p, int pid, const struct gs_proc_stat *known,
		      struct gs_ptarget **added, struct gs_err *err)
{
	struct gs_proc_stat st;
	struct gs_ptarget *t;
	struct gs_class *c;
	bool fresh;
	int fd;

	if (known) {
		st = *known;
	} else if (gs_proc_read_stat(pid, &st, err) < 0) {
		if (gs_proc_gone(err))
			gs_errf(err, ESRCH, "no such process");
		return -1;
	}
	if (st.state == 'Z' || st.state == 'X')
		return gs_errf(err, ESRCH, "process has exited");
	if (st.flags & GS_PF_KTHREAD)
		return gs_errf(err, EINVAL, "a kernel thread");
	if (!grow((void **)&p->t, &p->cap, p->n, sizeof(*p->t)))
		return gs_errf(err, ENOMEM, "too many processes");
	t = calloc(1, sizeof(*t));
	if (!t)
		return gs_errf(err, ENOMEM, "out of memory");
	t->pid = pid;
	t->starttime = st.starttime;
	snprintf(t->name, sizeof(t->name), "%s", st.comm);

	fd = gs_proc_open_exe(pid, err);
	if (fd < 0)
		goto fail;
	c = gs_classify_fd(fd, err);
	close(fd);
	if (!c)
		goto fail;
	if (c->verdict == GS_NOT_GO) {
		gs_errf(err, ENOEXEC, "not a Go program (%s)", c->reason);
		gs_class_put(c);
		goto fail;
	}
	snprintf(t->version, sizeof(t->version), "%s", gs_class_version(c));
	if (strcmp(t->version, "unknown") == 0)
		t->version[0] = '\0';
	gs_class_put(c);

	/* Track first, so no event between the attach and the track is lost. */
	if (gs_rtprobe_track(p->rp, pid, err) < 0)
		goto fail;
	if (gs_rtprobe_attach(p->rp, pid, NULL, &t->bin, &fresh, err) < 0) {
		if (t->bin && fresh)
			note_bin(t);
		gs_rtprobe_forget(p->rp, pid);
		goto fail;
	}
	if (fresh)
		note_bin(t);
	if (p->view.live)
		live_setup(p, t);
	/* Every state in the map began after our attach: counting from zero is right. */
	gs_rtprobe_read(p->rp, pid, &t->cur);
	t->t0 = t->tprev = gs_probe_now();
	p->t[p->n++] = t;
	if (added)
		*added = t;
	return 0;
fail:
	free(t);
	return -1;
}

static bool skipped(const struct probe *p, int pid, unsigned long long starttime)
{
	for (unsigned i = 0; i < p->nskip; i++)
		if (p->skip[i].pid == pid && p->skip[i].starttime == starttime)
			return true;
	return false;
}

bool probe_tracked(const struct probe *p, int pid)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i]->pid == pid && !p->t[i]->exited)
			return true;
	return false;
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / NS), (long)(deadline % NS) };

	/* EINTR (a signal) just returns early: the loop checks gs_probe_stop. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * --all: probe pid unless it is probed already or failed before. A process
 * that is not Go is not remembered: exec events bring every program on the
 * host here, and its next exec may well be Go.
 */
static void consider(struct probe *p, int pid, const struct gs_proc_stat *known)
{
	struct gs_ptarget *t = NULL;
	struct gs_proc_stat st;
	struct gs_err err;

	if (probe_tracked(p, pid) || pid == getpid())
		return;
	if (known)
		st = *known;
	else if (gs_proc_read_stat(pid, &st, &err) < 0)
		return;
	if (skipped(p, pid, st.starttime))
		return;
	if (probe_add_target(p, pid, &st, &t, &err) < 0 || !t) {
		if (err.code == ENOEXEC || gs_proc_gone(&err) || err.code == ESRCH)
			return;
		if (gs_opts.verbose)
			gs_warn("PID %d: not probed: %s", pid, err.msg);
		if (grow((void **)&p->skip, &p->capskip, p->nskip, sizeof(*p->skip)))
			p->skip[p->nskip++] = (struct skip){ pid, st.starttime };
		return;
	}
	if (gs_opts.verbose)
		gs_warn("PID %d (%s): probing", pid, t->name);
}

/* --all: Go processes we do not probe yet. */
void probe_rescan(struct probe *p)
{
	struct gs_proc_scan s = { 0 };
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_scan_open(&s, &err) < 0) {
		gs_warn("rescan: %s", err.msg);
		return;
	}
	while (gs_proc_scan_next(&s, &st) > 0) {
		struct gs_class *c;

		if (probe_tracked(p, st.pid) || skipped(p, st.pid, st.starttime))
			continue;
		c = gs_proc_classify_exe(st.pid, NULL, &err);
		if (!c)
			continue;
		if (c->verdict != GS_NOT_GO)
			consider(p, st.pid, &st);
		gs_class_put(c);
	}
	gs_proc_scan_close(&s);
}

int probe_on_exec_event(void *ctx, const struct gs_exec_event *ev)
{
	struct probe *p = ctx;

	if (ev->type != GS_EV_EXEC || ev->tgid == 0 || ev->tgid > INT_MAX)
		return 0;
	if (p->nexec < EXEC_QMAX)
		p->execq[p->nexec++] = (int)ev->tgid;
	else
		p->exec_overflow = true;
	return 0;
}

/* Programs that exec'd since the last drain: probed now, not at the next rescan. */
static void drain_execs(struct probe *p)
{
	for (unsigned i = 0; i < p->nexec; i++)
		consider(p, p->execq[i], NULL);
	p->nexec = 0;
	if (p->exec_overflow || gs_exec_tracer_lost(p->tracer)) {
		p->exec_overflow = false;
		probe_rescan(p);
	}
}

/* Wait until deadline, or less when exec events come (--all). */
void probe_wait_until(struct probe *p, uint64_t deadline)
{
	uint64_t now = gs_probe_now();
	struct gs_err err;

	if (!p->tracer) {
		sleep_until(deadline);
		return;
	}
	if (deadline > now &&
	    gs_exec_tracer_poll(p->tracer, (int)((deadline - now + 999999) / 1000000), &err) < 0) {
		gs_warn("exec events: %s; new processes are found by rescans from now on", err.msg);
		gs_exec_tracer_close(p->tracer);
		p->tracer = NULL;
	}
	if (p->tracer)
		drain_execs(p);
}

bool probe_keep_state(void *ctx, int tgid)
{
	const struct probe *p = ctx;

	if (probe_tracked(p, tgid))
		return true;
	/* An untracked process of a probed binary that still runs: the next rescan takes it. */
	return kill(tgid, 0) == 0 || errno == EPERM;
}

/* Notice exits; a gone process keeps its last BPF state for its last row. */
unsigned probe_check_exits(struct probe *p, uint64_t now)
{
	unsigned live = 0;

	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];

		if (t->exited)
			continue;
		if (alive(t)) {
			live++;
			continue;
		}
		t->exited = true;
		t->tend = now;
		gs_rtprobe_read(p->rp, t->pid, &t->cur);
		gs_warn("PID %d (%s) exited", t->pid, t->name);
	}
	return live;
}

void probe_sample(struct probe *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];
		struct gs_err err;

		if (t->exit_shown)
			continue;
		if (!t->exited)
			gs_rtprobe_read(p->rp, t->pid, &t->cur);
		t->imax = gs_rtprobe_take_imax(p->rp, t->pid);
		if (!p->view.live || !t->live_ok || t->exited)
			continue;
		if (gs_live_sample(&t->live, &t->lstats, &err) < 0 && gs_proc_gone(&err))
			continue;	/* the exit check will see it */
		t->have_lstats = true;
	}
}

/* After a row: the interval starts again; exited processes are done. */
void probe_advance(struct probe *p, uint64_t now)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];

		if (t->exit_shown)
			continue;
		t->prev = t->cur;
		t->tprev = now;
		if (t->exited) {
			t->exit_shown = true;
			gs_rtprobe_forget(p->rp, t->pid);
		}
	}
}


void probe_free(struct probe *p)
{
	gs_exec_tracer_close(p->tracer);
	gs_rtprobe_close(p->rp);
	for (unsigned i = 0; i < p->n; i++)
		free(p->t[i]);
	free(p->t);
	for (unsigned i = 0; i < p->nlays; i++)
		free(p->lays[i]);
	free(p->lays);
	free(p->skip);
}
