// SPDX-License-Identifier: MIT
/*
 * goscope watch: the Go processes already running when it starts, read
 * from /proc after the tracer is attached and printed as `present` lines.
 * For each process it notes when its executable was opened (before and
 * after), so that an exec event from the backlog can be recognised as the
 * one this snapshot already showed (watch_core.c: snapshot_dup).
 *
 * The snapshot also serves the --fallback poller's first round.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

#define STATUS_CAP	8192

static void read_status(struct watch_start *s)
{
	char *buf = malloc(STATUS_CAP);
	struct gs_proc_status ps;
	struct gs_err err;
	ssize_t n;

	if (!buf)
		return;
	n = gs_proc_read(s->pid, "status", buf, STATUS_CAP, NULL, &err);
	if (n >= 0 && gs_parse_status(buf, (size_t)n, &ps, &err) == 0) {
		s->has_uid = ps.has_uid;
		s->uid = ps.uid[0];
		s->has_nspid = ps.has_nspid;
		s->ns_pid = ps.nspid;
	}
	free(buf);
}

void watch_fill_present(struct watch *w, const struct gs_proc_stat *st, int fd,
			struct watch_start *s)
{
	struct gs_err err;
	struct stat sb;
	char link[PATH_MAX];

	s->pid = st->pid;
	s->ppid = st->ppid;
	snprintf(s->comm, sizeof(s->comm), "%s", st->comm);
	gs_proc_read_name(st->pid, st->comm, NULL, s->name, sizeof(s->name));
	s->how = WHOW_EXE;
	s->deleted = fstat(fd, &sb) == 0 && sb.st_nlink == 0;
	if (gs_proc_exe_path(st->pid, link, sizeof(link), &err) == 0) {
		if (s->deleted && gs_path_deleted_suffix(link))
			link[strlen(link) - strlen(" (deleted)")] = '\0';
		snprintf(s->exe, sizeof(s->exe), "%s", link);
	}
	read_status(s);
	s->has_mnt = gs_proc_ns(st->pid, "mnt", &s->mnt_ns, &err) == 0;
	s->has_pidns = gs_proc_ns(st->pid, "pid", &s->pid_ns, &err) == 0;
	s->has_cid = watch_container_id(w, 0, st->pid, s->cid);
	s->start_ns = st->starttime * w->ns_per_tick;
}

/* Look at one process. Returns -1 only when out of memory. */
static int snap_one(struct watch *w, struct gs_proc_scan *scan, const struct gs_proc_stat *st)
{
	struct watch_start *s;
	struct watch_memo *m;
	struct gs_class *cls;
	struct gs_err err = { 0 };
	struct stat sb;
	uint64_t t0, t1;
	int fd, ret = 0;

	t0 = watch_now_ns();
	fd = gs_proc_open_exe(st->pid, &err);
	t1 = watch_now_ns();
	if (fd < 0) {
		gs_proc_scan_note(scan, st->pid, &err);
		return 0;
	}
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	m = watch_memo_find(w, sb.st_dev, sb.st_ino, sb.st_size,
			    (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec);
	pthread_mutex_unlock(&w->lock);
	if (!m) {
		cls = gs_classify_fd(fd, &err);
		if (!cls) {
			close(fd);
			return 0;
		}
		pthread_mutex_lock(&w->lock);
		w->n_parsed++;
		m = watch_memo_add(w, cls);
		pthread_mutex_unlock(&w->lock);
	}
	if (!watch_is_go(m)) {
		close(fd);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -1;
	}
	s->src = WSRC_SNAPSHOT;
	s->present = true;
	s->memo = m;
	s->ts_ns = t0;
	watch_fill_present(w, st, fd, s);
	close(fd);
	if (watch_filter_ok(w, s)) {
		struct watch_live *l;

		pthread_mutex_lock(&w->lock);
		watch_out_start(w, s);
		w->n_present++;
		if (watch_live_add(w, s, true) != 0) {
			ret = -1;
		} else {
			l = wmap_get(&w->live, (uint64_t)s->pid);
			l->snap_t0 = t0;
			l->snap_t1 = t1;
			l->dev = sb.st_dev;
			l->ino = sb.st_ino;
		}
		pthread_mutex_unlock(&w->lock);
	}
	free(s);
	return ret;
}

int watch_snapshot(struct watch *w, struct gs_err *err)
{
	struct gs_proc_scan scan = { 0 };
	struct gs_proc_stat st;

	if (gs_proc_scan_open(&scan, err))
		return -1;
	while (gs_proc_scan_next(&scan, &st) > 0) {
		if (snap_one(w, &scan, &st)) {
			gs_proc_scan_close(&scan);
			return gs_errf(err, ENOMEM, "out of memory");
		}
	}
	gs_proc_scan_close(&scan);
	pthread_mutex_lock(&w->lock);
	watch_out_flush(w);
	pthread_mutex_unlock(&w->lock);
	if (scan.denied)
		gs_warn("watch: %lu process%s could not be inspected (permission denied)",
			scan.denied, scan.denied == 1 ? "" : "es");
	return 0;
}
