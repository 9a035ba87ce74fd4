// SPDX-License-Identifier: MIT
/*
 * goscope selftest: prove the BPF exec/exit tracer works on this host. Load
 * it, run /bin/true and a child that exits with code 7, and check that the
 * kernel reported both, with the fields goscope watch relies on.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <jansson.h>

#include "bpfload.h"
#include "cliopt.h"
#include "commands.h"
#include "output.h"

#define SELFTEST_EXE		"/bin/true"
#define SELFTEST_COMM		"true"
#define SELFTEST_EXIT_CODE	7
#define SELFTEST_TIMEOUT_MS	2000
#define SELFTEST_RINGBUF	(64 * 1024)
#define INIT_PID_NS_INO		0xeffffffcu	/* PROC_PID_INIT_INO: fixed by the kernel */

struct selftest {
	pid_t exec_pid;		/* child running SELFTEST_EXE, in our PID namespace */
	pid_t exit_pid;		/* child exiting with SELFTEST_EXIT_CODE */
	unsigned int pid_ns;	/* our PID namespace (children share it) */
	bool init_pid_ns;	/* event pids are ours too */
	unsigned long long fork_ns;	/* CLOCK_BOOTTIME just before the first fork */
	unsigned long long exec_seen_ns;
	bool exec_seen, exit_seen;
	struct gs_exec_event exec_ev, exit_ev;
};

static const char usage[] =
	"Usage: goscope selftest [--json]\n"
	"\n"
	"Load goscope's BPF exec/exit tracer, run " SELFTEST_EXE " and a child that exits\n"
	"with code 7, and check that both events arrive within 2 seconds.\n"
	"Needs root (CAP_BPF and CAP_PERFMON) and Linux 5.8+ with BTF.\n"
	"\n"
	"Options:\n"
	"  -j, --json  print the result as a JSON object (as goscope --json)\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 ok, 1 an event was missing or wrong, 2 usage,\n"
	"3 BPF not available here (privilege or kernel feature).\n";

static unsigned long long boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static unsigned int ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned int)st.st_ino : 0;
}

/* Is this event about child? In a container the event's pids are the
 * host's, so match by the pid inside our namespace. */
static bool is_child(const struct selftest *st, const struct gs_exec_event *ev, pid_t child)
{
	if (child <= 0)
		return false;
	if (st->init_pid_ns)
		return ev->tgid == (gs_u32)child;
	return ev->pid_ns == st->pid_ns && ev->ns_pid == (gs_u32)child;
}

static int on_event(void *ctx, const struct gs_exec_event *ev)
{
	struct selftest *st = ctx;

	if (ev->type == GS_EV_EXEC && !st->exec_seen && is_child(st, ev, st->exec_pid)) {
		st->exec_seen_ns = boottime_ns();
		st->exec_ev = *ev;
		st->exec_seen = true;
	} else if (ev->type == GS_EV_EXIT && !st->exit_seen && is_child(st, ev, st->exit_pid)) {
		st->exit_ev = *ev;
		st->exit_seen = true;
	}
	return 0;
}

/* fork + exec SELFTEST_EXE, or fork + _exit(code) when code >= 0. */
static pid_t spawn(int code)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (code >= 0)
		_exit(code);
	execl(SELFTEST_EXE, SELFTEST_COMM, (char *)NULL);
	_exit(127);
}

/* Wait for *pid unless done already (0); its wait status, or -1. */
static int reap(pid_t *pid)
{
	int status;
	pid_t ret;

	if (*pid <= 0)
		return -1;
	do
		ret = waitpid(*pid, &status, 0);
	while (ret < 0 && errno == EINTR);
	*pid = 0;
	return ret < 0 ? -1 : status;
}

/*
 * The exec event must carry what goscope watch uses. Returns NULL when it
 * does, else what is wrong (in buf).
 */
static const char *check_exec_event(const struct selftest *st, char *buf, size_t len)
{
	const struct gs_exec_event *ev = &st->exec_ev;
	unsigned int mnt_ns = ns_inode("/proc/self/ns/mnt");

	if (strcmp(ev->filename, SELFTEST_EXE) != 0)
		snprintf(buf, len, "filename '%s', expected '%s'", ev->filename, SELFTEST_EXE);
	else if (strcmp(ev->comm, SELFTEST_COMM) != 0)
		snprintf(buf, len, "comm '%s', expected '%s'", ev->comm, SELFTEST_COMM);
	else if (ev->pid != ev->tgid || ev->old_pid != ev->pid)
		snprintf(buf, len, "pid %u, tgid %u, old_pid %u: expected one value", ev->pid,
			 ev->tgid, ev->old_pid);
	else if (st->init_pid_ns && ev->ppid != (gs_u32)getpid())
		snprintf(buf, len, "ppid %u, expected %d", ev->ppid, (int)getpid());
	else if (ev->ns_pid != (gs_u32)st->exec_pid || (st->pid_ns && ev->pid_ns != st->pid_ns))
		snprintf(buf, len, "namespace pid %u in pid:[%u], expected %d in pid:[%u]",
			 ev->ns_pid, ev->pid_ns, (int)st->exec_pid, st->pid_ns);
	else if (mnt_ns && ev->mnt_ns != mnt_ns)
		snprintf(buf, len, "mnt:[%u], expected mnt:[%u]", ev->mnt_ns, mnt_ns);
	else if (ev->uid != (gs_u32)getuid() || ev->gid != (gs_u32)getgid())
		snprintf(buf, len, "uid/gid %u/%u, expected %u/%u", ev->uid, ev->gid,
			 (unsigned int)getuid(), (unsigned int)getgid());
	else if (ev->ts_ns < st->fork_ns || ev->ts_ns > st->exec_seen_ns)
		snprintf(buf, len, "timestamp %llu outside [%llu, %llu]: not CLOCK_BOOTTIME?",
			 ev->ts_ns, st->fork_ns, st->exec_seen_ns);
	else if (ev->start_ns < st->fork_ns || ev->start_ns > ev->ts_ns)
		snprintf(buf, len, "start time %llu outside [%llu, %llu]", ev->start_ns,
			 st->fork_ns, ev->ts_ns);
	else if ((ev->flags & GS_EVF_NO_EXE) || ev->exe_ino == 0)
		snprintf(buf, len, "no executable inode");
	else if (ev->cgroup_id == 0)
		snprintf(buf, len, "no cgroup id");
	else
		return NULL;
	return buf;
}

/* On overlay or FUSE file systems stat() can show another dev/inode than
 * the kernel's exe_file: worth a warning, not a failure. */
static bool exe_matches_stat(const struct gs_exec_event *ev)
{
	struct stat st;

	return stat(SELFTEST_EXE, &st) == 0 && st.st_ino == ev->exe_ino &&
	       st.st_dev == gs_kdev_to_dev(ev->exe_dev);
}

static int print_json(const struct selftest *st, struct gs_exec_tracer *t, bool exe_match,
		      unsigned long long seen_us, unsigned long long lost)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:i, s:b, s:I, s:I}",
		      "bpf_exec", "ok",
		      "attach", gs_exec_tracer_mode(t),
		      "exec_seen_us", (json_int_t)seen_us,
		      "exec_pid", (json_int_t)st->exec_ev.tgid,
		      "exec_filename", st->exec_ev.filename,
		      "exec_comm", st->exec_ev.comm,
		      "exit_pid", (json_int_t)st->exit_ev.tgid,
		      "exit_code", (int)GS_EXIT_STATUS(st->exit_ev.exit_code),
		      "exe_matches_stat", exe_match,
		      "lost_events", (json_int_t)lost,
		      "ringbuf_bytes", (json_int_t)gs_exec_tracer_ringbuf_bytes(t));
	if (!o)
		return -1;
	gs_json_emit(o);
	json_decref(o);
	return 0;
}

int cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_exec_tracer_opts topts = { 0 };
	struct gs_exec_tracer *t = NULL;
	struct selftest st = { 0 };
	pid_t to_reap[2] = { 0, 0 };	/* children not yet waited for */
	unsigned long long deadline, now, lost, seen_us;
	char why[320];
	bool exe_match;
	int rc = GS_EXIT_OK, status, c;
	struct gs_err err = { 0 };

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "hj", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return GS_EXIT_OK;
		case 'j':
			gs_opts.json = true;
			break;
		default:
			return gs_getopt_error("selftest", argv);
		}
	}
	if (optind < argc)
		return gs_usage_error("selftest", "unexpected argument '%s'", argv[optind]);

	if (gs_bpf_check(&err)) {
		rc = gs_error(GS_EXIT_NOCAP, "selftest: BPF unavailable: %s", err.msg);
		goto out;
	}

	st.pid_ns = ns_inode("/proc/self/ns/pid");
	st.init_pid_ns = st.pid_ns == INIT_PID_NS_INO;
	topts.on_event = on_event;
	topts.ctx = &st;
	topts.ringbuf_bytes = SELFTEST_RINGBUF;
	/* The filter compares host pids: only usable when ours are the host's. */
	topts.targ_ppid = st.init_pid_ns ? (unsigned int)getpid() : 0;
	t = gs_exec_tracer_open(&topts, &err);
	if (!t) {
		rc = gs_error(gs_bpf_errno_is_nocap(err.code) ? GS_EXIT_NOCAP : GS_EXIT_ERROR,
			      "selftest: %s", err.msg);
		goto out;
	}

	fflush(NULL);	/* children must not flush our stdio buffers again */
	st.fork_ns = boottime_ns();
	st.exec_pid = to_reap[0] = spawn(-1);
	if (st.exec_pid > 0)
		st.exit_pid = to_reap[1] = spawn(SELFTEST_EXIT_CODE);
	if (st.exec_pid < 0 || st.exit_pid < 0) {
		rc = gs_error(GS_EXIT_ERROR, "selftest: fork: %s", strerror(errno));
		goto out;
	}

	deadline = st.fork_ns + SELFTEST_TIMEOUT_MS * 1000000ull;
	while (!(st.exec_seen && st.exit_seen) && (now = boottime_ns()) < deadline) {
		if (gs_exec_tracer_poll(t, (int)((deadline - now) / 1000000 + 1), &err) < 0) {
			rc = gs_error(GS_EXIT_ERROR, "selftest: %s", err.msg);
			goto out;
		}
	}

	status = reap(&to_reap[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = gs_error(GS_EXIT_ERROR, "selftest: could not run %s (wait status %#x)",
			      SELFTEST_EXE, status);
		goto out;
	}
	lost = gs_exec_tracer_lost(t);
	if (!st.exec_seen || !st.exit_seen) {
		rc = gs_error(GS_EXIT_ERROR,
			      "selftest: BPF %s did not fire within %d ms (%s attach, %llu events lost)",
			      !st.exec_seen && !st.exit_seen ? "exec and exit tracepoints" :
			      !st.exec_seen ? "exec tracepoint" : "exit tracepoint",
			      SELFTEST_TIMEOUT_MS, gs_exec_tracer_mode(t), lost);
		goto out;
	}
	if (check_exec_event(&st, why, sizeof(why))) {
		rc = gs_error(GS_EXIT_ERROR, "selftest: exec event of pid %d has %s",
			      (int)st.exec_ev.tgid, why);
		goto out;
	}
	if (GS_EXIT_STATUS(st.exit_ev.exit_code) != SELFTEST_EXIT_CODE ||
	    GS_EXIT_SIGNAL(st.exit_ev.exit_code) != 0) {
		rc = gs_error(GS_EXIT_ERROR,
			      "selftest: exit event has exit code %u signal %u, expected %d",
			      GS_EXIT_STATUS(st.exit_ev.exit_code),
			      GS_EXIT_SIGNAL(st.exit_ev.exit_code), SELFTEST_EXIT_CODE);
		goto out;
	}

	exe_match = exe_matches_stat(&st.exec_ev);
	if (!exe_match)
		gs_warn("selftest: exec event names %s as dev %u:%u inode %llu, stat() disagrees",
			SELFTEST_EXE, GS_KDEV_MAJOR(st.exec_ev.exe_dev),
			GS_KDEV_MINOR(st.exec_ev.exe_dev), st.exec_ev.exe_ino);
	/* From fork() to the event in our hands: exec, BPF and the wake-up. */
	seen_us = (st.exec_seen_ns - st.fork_ns) / 1000;
	if (gs_opts.json) {
		if (print_json(&st, t, exe_match, seen_us, lost)) {
			rc = gs_error(GS_EXIT_ERROR, "selftest: out of memory");
			goto out;
		}
	} else {
		printf("selftest: BPF exec tracepoint ok (exec seen in %llu us, exit code %d seen)\n",
		       seen_us, SELFTEST_EXIT_CODE);
	}
out:
	reap(&to_reap[0]);
	reap(&to_reap[1]);
	gs_exec_tracer_close(t);
	return rc;
}
