/* SPDX-License-Identifier: MIT */
/*
 * goscope process PID [PERIOD] (and goscope PID [PERIOD]): gops' process
 * details, read from /proc directly, in gops' lines and formats
 * (docs/gops-protocol.md §4), then what goscope knows beyond gops: the Go facts from
 * the executable and the agent's port file. Any process works, Go or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "cliopt.h"
#include "commands.h"
#include "discover.h"
#include "godur.h"
#include "gojson.h"
#include "layoutjson.h"
#include "output.h"
#include "proc.h"
#include "sockets.h"
#include "versiontext.h"

#define STATUS_CAP 8192
#define MEMINFO_CAP 8192
#define CMDLINE_CAP (1u << 20)	/* Linux allows ~2 MiB of arguments; show the first 1 MiB */

struct pinfo {
	int pid;
	struct gs_proc_stat st;
	bool has_status;
	struct gs_proc_status status;
	bool has_mem;
	double mem_pct;
	uint64_t rss_bytes;
	double cpu_secs, cpu_pct, elapsed;
	bool has_period;
	int64_t period_ns;
	double period_pct;
	bool has_user;
	char user[256];
	char *cmdline;			/* raw, NUL-separated */
	size_t cmdline_len;
	bool has_cmdline;
	bool has_socks;
	struct gs_sock_list socks;
	char exe[PATH_MAX + 16];
	bool has_exe;
	struct gs_class *cls;
	json_t *layout;			/* --json: runtime_layout (layoutjson.h) */
	struct gs_agent_loc *loc;
};

static void help(void)
{
	printf("Usage: goscope [OPTIONS] process PID [PERIOD]\n"
	       "       goscope [OPTIONS] PID [PERIOD]\n"
	       "\n"
	       "Details of any process (Go or not, no agent needed), read from /proc, in\n"
	       "gops' lines (a tab after each label; a line is left out when its value\n"
	       "cannot be read):\n"
	       "  parent PID:     the parent (left out for PID 0)\n"
	       "  threads:        number of threads\n"
	       "  memory usage:   resident memory, percent of MemTotal\n"
	       "  cpu usage:      CPU time, percent of the time since the process started\n"
	       "  cpu usage (P):  CPU time over PERIOD, measured now (only with PERIOD)\n"
	       "  username:       the real user (its number when it has no name here)\n"
	       "  cmd+args:       the arguments, joined by spaces\n"
	       "  elapsed time:   [[DD-]hh:]mm:ss since the process started\n"
	       "  local/remote:   one line per socket: ADDR:PORT <-> ADDR:PORT (STATE),\n"
	       "                  TCP and UDP over IPv4 and IPv6, then unix sockets\n"
	       "                  (PATH:0 <-> :0 (NONE)); needs the right to read\n"
	       "                  /proc/PID/fd (your own processes, or root)\n"
	       "then, beyond gops, for a Go executable:\n"
	       "  go version:     the Go version the executable was built with\n"
	       "  go path:        the main package\n"
	       "  go module:      the main module and its version\n"
	       "  go build:       the build settings (KEY=VALUE ...)\n"
	       "  go flags:       stripped dwarf pie cgo static shared, those that apply\n"
	       "and for a gops agent: agent: 127.0.0.1:PORT, or why its port file is not\n"
	       "used (stale, unusable).\n"
	       "\n"
	       "PERIOD is a Go duration (500ms, 2s, 1m30s) or a number of seconds (5, 0.5).\n"
	       "\n"
	       "With --json: one document with every field, the sockets and the \"go\"\n"
	       "object of 'version --json' (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 success; 1 no such process, or a PID or PERIOD that does\n"
	       "not parse; 2 bad command line.\n");
}

/* strconv.Atoi's rules and words, for gops' "error parsing the first argument". */
static int parse_pid(const char *s, int *pid)
{
	long long v = 0;
	const char *p = s;

	if (*p == '+')
		p++;
	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return gs_error(GS_EXIT_ERROR,
					"error parsing the first argument: strconv.Atoi: parsing \"%s\": value out of range",
					s);
	}
	*pid = (int)v;
	return 0;
bad:
	return gs_error(GS_EXIT_ERROR,
			"error parsing the first argument: strconv.Atoi: parsing \"%s\": invalid syntax", s);
}

static double uptime_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void collect(struct pinfo *pi)
{
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char *buf = malloc(STATUS_CAP > MEMINFO_CAP ? STATUS_CAP : MEMINFO_CAP);
	struct gs_err err = { 0 };
	uint64_t total;
	ssize_t n;
	int fd;

	if (hz <= 0)
		hz = 100;
	pi->cpu_secs = (double)(pi->st.utime + pi->st.stime) / (double)hz;
	pi->elapsed = uptime_secs() - (double)pi->st.starttime / (double)hz;
	if (pi->elapsed < 0)
		pi->elapsed = 0;
	pi->cpu_pct = pi->elapsed > 0 ? 100 * pi->cpu_secs / pi->elapsed : 0;
	if (pi->st.rss > 0 && page > 0)
		pi->rss_bytes = (uint64_t)pi->st.rss * (uint64_t)page;

	if (buf) {
		int mfd;

		n = gs_proc_read(pi->pid, "status", buf, STATUS_CAP, NULL, &err);
		pi->has_status = n > 0 && gs_parse_status(buf, (size_t)n, &pi->status, &err) == 0 &&
				 pi->status.has_uid;
		/* /proc/meminfo is not per process: read it directly. */
		mfd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
		if (mfd >= 0) {
			n = read(mfd, buf, MEMINFO_CAP - 1);
			if (n > 0 && gs_parse_meminfo_total(buf, (size_t)n, &total) && total > 0) {
				pi->has_mem = true;
				pi->mem_pct = 100.0 * (double)pi->rss_bytes / (double)total;
			}
			close(mfd);
		}
		free(buf);
	}
	if (pi->has_status) {
		struct passwd pw, *res = NULL;
		char pwbuf[4096];

		if (getpwuid_r(pi->status.uid[0], &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res) {
			snprintf(pi->user, sizeof(pi->user), "%s", pw.pw_name);
			pi->has_user = true;
		}
	}
	pi->cmdline = malloc(CMDLINE_CAP);
	if (pi->cmdline) {
		n = gs_proc_read(pi->pid, "cmdline", pi->cmdline, CMDLINE_CAP, NULL, &err);
		pi->has_cmdline = n >= 0;
		pi->cmdline_len = n > 0 ? (size_t)n : 0;
	}
	pi->has_exe = gs_proc_exe_path(pi->pid, pi->exe, sizeof(pi->exe), &err) == 0;
	fd = gs_proc_open_exe(pi->pid, &err);
	if (fd >= 0) {
		pi->cls = gs_classify_fd(fd, &err);
		if (gs_opts.json && pi->cls && pi->cls->verdict != GS_NOT_GO)
			pi->layout = gs_layout_json(fd);
		close(fd);
	}
	pi->loc = calloc(1, sizeof(*pi->loc));
	if (pi->loc && gs_agent_locate(pi->pid, 0, pi->loc, &err)) {
		free(pi->loc);
		pi->loc = NULL;
	}
}

/* CPU over the period, as gops: (cpu after - cpu before) / period. */
static void measure_period(struct pinfo *pi)
{
	struct timespec ts = { .tv_sec = (time_t)(pi->period_ns / GS_NS_PER_SEC),
			       .tv_nsec = (long)(pi->period_ns % GS_NS_PER_SEC) };
	long hz = sysconf(_SC_CLK_TCK);
	struct gs_proc_stat after;
	struct gs_err err = { 0 };

	if (hz <= 0)
		hz = 100;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (gs_proc_read_stat(pi->pid, &after, &err) || after.starttime != pi->st.starttime)
		return;	/* gone (or replaced) meanwhile: no line, as in gops */
	pi->has_period = true;
	pi->period_pct = 100.0 * ((double)(after.utime + after.stime) -
				  (double)(pi->st.utime + pi->st.stime)) /
			 (double)hz / ((double)pi->period_ns / 1e9);
}

static void sock_addr(const struct gs_sock *s, bool local, char *buf, size_t sz)
{
	bool v6 = s->kind == GS_SOCK_TCP6 || s->kind == GS_SOCK_UDP6;

	if (s->kind == GS_SOCK_UNIX)
		snprintf(buf, sz, "%s", local ? s->path : "");
	else
		gs_ip_str(local ? s->laddr : s->raddr, v6, buf, sz);
}

static void print_text(const struct pinfo *pi)
{
	char b[GS_SOCK_PATH_MAX + 64];

	if (pi->st.ppid > 0)
		printf("parent PID:\t%d\n", pi->st.ppid);
	printf("threads:\t%ld\n", pi->st.num_threads);
	if (pi->has_mem)
		printf("memory usage:\t%.3f%%\n", pi->mem_pct);
	printf("cpu usage:\t%.3f%%\n", pi->cpu_pct);
	if (pi->has_period) {
		gs_fmt_go_duration(pi->period_ns, b, sizeof(b));
		printf("cpu usage (%s):\t%.3f%%\n", b, pi->period_pct);
	}
	if (pi->has_user) {
		fputs("username:\t", stdout);
		gs_fputs_safe(pi->user, stdout);
		putchar('\n');
	} else if (pi->has_status) {
		printf("username:\t%u\n", (unsigned)pi->status.uid[0]);
	}
	if (pi->has_cmdline) {
		char *joined = malloc(pi->cmdline_len + 1);

		if (joined) {
			gs_cmdline_join(pi->cmdline, pi->cmdline_len, joined, pi->cmdline_len + 1);
			fputs("cmd+args:\t", stdout);
			gs_fputs_safe(joined, stdout);
			putchar('\n');
			free(joined);
		}
	}
	gs_fmt_etime((uint64_t)pi->elapsed, b, sizeof(b));
	printf("elapsed time:\t%s\n", b);
	for (size_t i = 0; pi->has_socks && i < pi->socks.n; i++) {
		const struct gs_sock *s = &pi->socks.v[i];

		fputs("local/remote:\t", stdout);
		sock_addr(s, true, b, sizeof(b));
		gs_fputs_safe(b, stdout);
		printf(":%u <-> ", s->kind == GS_SOCK_UNIX ? 0 : (unsigned)s->lport);
		sock_addr(s, false, b, sizeof(b));
		gs_fputs_safe(b, stdout);
		printf(":%u (%s)\n", s->kind == GS_SOCK_UNIX ? 0 : (unsigned)s->rport,
		       gs_sock_status(s));
	}
}

/* The Go lines, from the same "go" object --json prints. */
static void print_go_text(const struct gs_class *c)
{
	json_t *go, *mod, *build, *flags, *v;
	const char *k;

	if (!c || c->verdict == GS_NOT_GO)
		return;
	go = gs_class_json(c);
	fputs("go version:\t", stdout);
	gs_fputs_safe(gs_class_version(c), stdout);
	putchar('\n');
	if (json_is_string(v = json_object_get(go, "path"))) {
		fputs("go path:\t", stdout);
		gs_fputs_safe(json_string_value(v), stdout);
		putchar('\n');
	}
	mod = json_object_get(go, "module");
	if (json_is_object(mod)) {
		fputs("go module:\t", stdout);
		gs_fputs_safe(json_string_value(json_object_get(mod, "path")), stdout);
		putchar(' ');
		gs_fputs_safe(json_string_value(json_object_get(mod, "version")), stdout);
		putchar('\n');
	}
	build = json_object_get(go, "build");
	if (json_object_size(build)) {
		bool first = true;

		fputs("go build:\t", stdout);
		json_object_foreach(build, k, v) {
			if (!first)
				putchar(' ');
			first = false;
			gs_fputs_safe(k, stdout);
			putchar('=');
			gs_fputs_safe(json_string_value(v), stdout);
		}
		putchar('\n');
	}
	flags = json_object_get(go, "flags");
	{
		bool first = true;

		json_object_foreach(flags, k, v) {
			if (!json_is_true(v))
				continue;
			fputs(first ? "go flags:\t" : " ", stdout);
			first = false;
			fputs(k, stdout);
		}
		if (!first)
			putchar('\n');
	}
	json_decref(go);
}

static void print_agent_text(const struct gs_agent_loc *loc)
{
	if (!loc || loc->state == GS_AGENT_NONE)
		return;
	fputs("agent:\t", stdout);
	if (loc->state == GS_AGENT_LIVE) {
		printf("127.0.0.1:%u%s%s", (unsigned)loc->port,
		       loc->other_netns ? " (in the process's network namespace)" : "",
		       loc->view == GS_VIEW_SOCKET ?
			       " (no port file: its only loopback listener, and it links an agent)" : "");
	} else {
		printf("%s port file ", loc->state == GS_AGENT_STALE ? "stale" : "unusable");
		gs_fputs_safe(loc->path, stdout);
		fputs(" (", stdout);
		gs_fputs_safe(loc->why, stdout);
		putchar(')');
	}
	putchar('\n');
}

static json_t *sock_json(const struct gs_sock *s)
{
	static const char *const types[] = { [1] = "stream", [2] = "dgram", [3] = "raw",
					     [4] = "rdm", [5] = "seqpacket" };
	json_t *o = json_object();
	char a[GS_SOCK_PATH_MAX];

	json_object_set_new(o, "family", json_string(gs_sock_kind_name(s->kind)));
	sock_addr(s, true, a, sizeof(a));
	json_object_set_new(o, "local", gs_json_str(a));
	json_object_set_new(o, "local_port", json_integer(s->kind == GS_SOCK_UNIX ? 0 : s->lport));
	sock_addr(s, false, a, sizeof(a));
	json_object_set_new(o, "remote", gs_json_str(a));
	json_object_set_new(o, "remote_port", json_integer(s->kind == GS_SOCK_UNIX ? 0 : s->rport));
	json_object_set_new(o, "status", json_string(gs_sock_status(s)));
	json_object_set_new(o, "inode", json_integer((json_int_t)s->inode));
	if (s->kind == GS_SOCK_UNIX)
		json_object_set_new(o, "type",
				    s->type < sizeof(types) / sizeof(types[0]) && types[s->type] ?
					    json_string(types[s->type]) : json_integer(s->type));
	return o;
}

static json_t *agent_json(const struct gs_agent_loc *loc)
{
	json_t *o;

	if (!loc || loc->state == GS_AGENT_NONE)
		return json_null();
	o = json_object();
	json_object_set_new(o, "state", json_string(gs_agent_state_name(loc->state)));
	json_object_set_new(o, "port", loc->port ? json_integer(loc->port) : json_null());
	json_object_set_new(o, "port_file", gs_json_str(loc->path));
	json_object_set_new(o, "view", json_string(gs_agent_view_name(loc->view)));
	json_object_set_new(o, "other_netns", json_boolean(loc->other_netns));
	json_object_set_new(o, "reason",
			    loc->state == GS_AGENT_LIVE ? json_null() : gs_json_str(loc->why));
	return o;
}

static json_t *to_json(const struct pinfo *pi)
{
	json_t *o = json_object(), *args = json_array(), *socks;
	char b[64];
	const char *a;
	size_t n;

	json_object_set_new(o, "pid", json_integer(pi->pid));
	json_object_set_new(o, "ppid", json_integer(pi->st.ppid));
	json_object_set_new(o, "comm", gs_json_str(pi->st.comm));
	json_object_set_new(o, "state", json_stringn(&pi->st.state, 1));
	json_object_set_new(o, "threads", json_integer(pi->st.num_threads));
	json_object_set_new(o, "rss_bytes", json_integer((json_int_t)pi->rss_bytes));
	json_object_set_new(o, "memory_percent", pi->has_mem ? json_real(pi->mem_pct) : json_null());
	json_object_set_new(o, "cpu_seconds", json_real(pi->cpu_secs));
	json_object_set_new(o, "cpu_percent", json_real(pi->cpu_pct));
	if (pi->has_period) {
		json_t *p = json_object();

		gs_fmt_go_duration(pi->period_ns, b, sizeof(b));
		json_object_set_new(p, "period", json_string(b));
		json_object_set_new(p, "seconds", json_real((double)pi->period_ns / 1e9));
		json_object_set_new(p, "percent", json_real(pi->period_pct));
		json_object_set_new(o, "cpu_period", p);
	} else {
		json_object_set_new(o, "cpu_period", json_null());
	}
	json_object_set_new(o, "uid", pi->has_status ? json_integer(pi->status.uid[0]) : json_null());
	json_object_set_new(o, "username", pi->has_user ? gs_json_str(pi->user) : json_null());
	for (unsigned i = 0; pi->has_cmdline && gs_cmdline_arg(pi->cmdline, pi->cmdline_len, i, &a, &n); i++)
		json_array_append_new(args, gs_json_strn(a, n));
	json_object_set_new(o, "cmdline", args);
	json_object_set_new(o, "elapsed_seconds", json_real(pi->elapsed));
	gs_fmt_etime((uint64_t)pi->elapsed, b, sizeof(b));
	json_object_set_new(o, "elapsed", json_string(b));
	if (pi->has_socks) {
		socks = json_array();
		for (size_t i = 0; i < pi->socks.n; i++)
			json_array_append_new(socks, sock_json(&pi->socks.v[i]));
	} else {
		socks = json_null();
	}
	json_object_set_new(o, "sockets", socks);
	if (pi->has_exe) {
		size_t len = strlen(pi->exe);
		bool del = gs_path_deleted_suffix(pi->exe);

		json_object_set_new(o, "exe", gs_json_strn(pi->exe, del ? len - strlen(" (deleted)") : len));
		json_object_set_new(o, "deleted", json_boolean(del));
	} else {
		json_object_set_new(o, "exe", json_null());
		json_object_set_new(o, "deleted", json_null());
	}
	json_object_set_new(o, "go", pi->cls ? gs_class_json(pi->cls) : json_null());
	json_object_set_new(o, "runtime_layout", pi->layout ? json_incref(pi->layout) : json_null());
	json_object_set_new(o, "agent", agent_json(pi->loc));
	return o;
}

int cmd_process(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pos[2];
	struct pinfo pi;
	struct gs_err err = { 0 };
	int npos = 0, c, rc = GS_EXIT_OK;

	/* argv[0] is "process" (main.c names it so for `goscope PID` too) */
	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			help();
			return GS_EXIT_OK;
		}
		return gs_getopt_error("process", argv);
	}
	/* a negative period is an operand, for its own error */
	for (int i = optind; i < argc; i++) {
		if (npos == 2)
			return gs_usage_error("process", "unexpected argument '%s'", argv[i]);
		pos[npos++] = argv[i];
	}
	if (npos == 0)
		return gs_usage_error("process", "missing PID");

	memset(&pi, 0, sizeof(pi));
	if (parse_pid(pos[0], &pi.pid))
		return GS_EXIT_ERROR;
	if (npos == 2) {
		if (gs_parse_period(pos[1], &pi.period_ns, &err))
			return gs_error(GS_EXIT_ERROR, "error parsing the second argument: %s", err.msg);
		if (pi.period_ns < 0) {
			char b[64];

			gs_fmt_go_duration(pi.period_ns, b, sizeof(b));
			return gs_error(GS_EXIT_ERROR, "Cannot determine CPU usage for negative duration %s", b);
		}
	}
	if (pi.pid <= 0 || gs_proc_read_stat(pi.pid, &pi.st, &err)) {
		if (pi.pid <= 0 || gs_proc_gone(&err))
			return gs_error(GS_EXIT_ERROR, "cannot read process %s: no such process", pos[0]);
		return gs_error(GS_EXIT_ERROR, "cannot read process %d: %s", pi.pid, err.msg);
	}
	collect(&pi);
	if (pi.period_ns > 0) {
		long hz = sysconf(_SC_CLK_TCK);

		measure_period(&pi);
		pi.elapsed = uptime_secs() - (double)pi.st.starttime / (double)(hz > 0 ? hz : 100);
	}
	/* After the period, as gops: the sockets it holds now. */
	pi.has_socks = gs_proc_sockets(pi.pid, &pi.socks, &err) == 0;
	if (!pi.has_socks && gs_opts.verbose)
		gs_warn("sockets of %d: %s", pi.pid, err.msg);

	if (gs_opts.json) {
		json_t *doc = to_json(&pi);

		rc = gs_json_emit(doc);
		json_decref(doc);
	} else {
		print_text(&pi);
		print_go_text(pi.cls);
		print_agent_text(pi.loc);
		fflush(stdout);
	}
	if (pi.cls)
		gs_class_put(pi.cls);
	gs_sock_list_free(&pi.socks);
	json_decref(pi.layout);
	free(pi.cmdline);
	free(pi.loc);
	return rc;
}
