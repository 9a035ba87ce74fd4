/* SPDX-License-Identifier: MIT */
#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bysocket.h"
#include "classify.h"
#include "inroot.h"
#include "portfile.h"
#include "proc.h"
#include "reply.h"
#include "sockets.h"

#define STAT_CAP 2048
#define STATUS_CAP 8192
#define ENV_CAP (256u << 10)		/* environments are a few KiB; ARG_MAX bounds them */
#define PASSWD_CAP (1u << 20)
#define PORT_FILE_MAX 64		/* more than any port file the agent writes */
/*
 * A port file written this much before the process started is not its
 * own. The process's start is known to a clock tick and file times lag by
 * up to a tick too; the slack also absorbs small clock adjustments.
 */
#define MTIME_SLACK_NS 1000000000LL

/* What we know of the target, read once per lookup. */
struct target {
	int pid;
	bool alive;
	bool has_status;
	struct gs_proc_status status;
	int64_t start_ns;		/* wall-clock start, ns since the epoch; 0 unknown */
};

const char *gs_agent_state_name(enum gs_agent_state s)
{
	switch (s) {
	case GS_AGENT_LIVE:
		return "live";
	case GS_AGENT_STALE:
		return "stale";
	case GS_AGENT_BAD:
		return "bad";
	default:
		return "none";
	}
}

const char *gs_agent_view_name(enum gs_agent_view v)
{
	switch (v) {
	case GS_VIEW_CALLER:
		return "caller";
	case GS_VIEW_TARGET:
		return "target";
	case GS_VIEW_SOCKET:
		return "socket";
	default:
		return NULL;
	}
}

/* snprintf for messages, where a long path may be cut short on purpose. */
static void __attribute__((format(printf, 3, 4))) say(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void read_target(int pid, struct target *t)
{
	char buf[STAT_CAP > STATUS_CAP ? STAT_CAP : STATUS_CAP];
	struct gs_proc_stat st;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	n = gs_proc_read(pid, "stat", buf, STAT_CAP, NULL, NULL);
	if (n > 0 && gs_parse_stat(buf, (size_t)n, &st, NULL) == 0 && st.state != 'Z' &&
	    st.state != 'X') {
		int64_t boot = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);

		t->alive = true;
		if (hz > 0 && st.starttime < (unsigned long long)INT64_MAX / 1000000000ULL)
			t->start_ns = boot + (int64_t)(st.starttime * 1000000000ULL / (unsigned long long)hz);
	}
	n = gs_proc_read(pid, "status", buf, STATUS_CAP, NULL, NULL);
	t->has_status = n > 0 && gs_parse_status(buf, (size_t)n, &t->status, NULL) == 0 &&
			t->status.has_uid;
}

static void fmt_time(int64_t ns, char *buf, size_t sz)
{
	time_t s = (time_t)(ns / 1000000000LL);
	struct tm tm;

	if (!localtime_r(&s, &tm) || !strftime(buf, sz, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, sz, "%lld", (long long)s);
}

static bool owned_by_target(const struct target *t, uid_t uid)
{
	if (!t->has_status)
		return false;
	for (int i = 0; i < 4; i++)
		if (t->status.uid[i] == uid)
			return true;
	return false;
}

/* Read a small regular file behind an O_PATH descriptor, without ever opening a device. */
static ssize_t read_small(int pfd, char *buf, size_t cap)
{
	char self[64];
	size_t len = 0;
	int fd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	while (len < cap) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	return (ssize_t)len;
}

/*
 * Decide what a port file found at pfd (O_PATH, not followed) is worth.
 * strict: the target's view, where the file must also belong to the
 * target's user (a root reader must not be led to someone else's file).
 */
static void judge(const struct target *t, int pfd, bool strict, struct gs_agent_loc *loc)
{
	char buf[PORT_FILE_MAX + 1], when[32], began[32];
	struct gs_err e = { 0 };
	struct stat st;
	uint16_t port;
	ssize_t n;
	int r;

	loc->state = GS_AGENT_BAD;
	if (fstat(pfd, &st) < 0) {
		gs_agent_go_strerror(errno, buf, sizeof(buf));
		say(loc->why, sizeof(loc->why), "stat: %s", buf);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		say(loc->why, sizeof(loc->why), "it is a symbolic link (never followed)");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		say(loc->why, sizeof(loc->why), "not a regular file");
		return;
	}
	if (strict && !owned_by_target(t, st.st_uid)) {
		say(loc->why, sizeof(loc->why), "owned by uid %u, not by the process's user",
			 (unsigned)st.st_uid);
		return;
	}
	if (st.st_size > PORT_FILE_MAX) {
		say(loc->why, sizeof(loc->why), "%lld bytes: too large for a port file",
			 (long long)st.st_size);
		return;
	}
	n = read_small(pfd, buf, sizeof(buf));
	if (n < 0) {
		gs_agent_go_strerror(errno, buf, sizeof(buf));
		say(loc->why, sizeof(loc->why), "read: %s", buf);
		return;
	}
	if (gs_agent_parse_port(buf, (size_t)n, &port, &e)) {
		say(loc->why, sizeof(loc->why), "garbage: %s", e.msg);
		return;
	}
	loc->port = port;
	loc->state = GS_AGENT_STALE;
	if (!t->alive) {
		say(loc->why, sizeof(loc->why), "process %d is not running", t->pid);
		return;
	}
	/* The best witness: the process itself listens on that port. */
	r = gs_proc_listens(t->pid, port, NULL);
	if (r == 1) {
		loc->state = GS_AGENT_LIVE;
		loc->listening = true;
		return;
	}
	if (r == 0) {
		say(loc->why, sizeof(loc->why),
			 "process %d does not listen on port %u (PID reused, or the agent stopped)",
			 t->pid, (unsigned)port);
		return;
	}
	/* Its sockets are not ours to see: judge by age. */
	if (t->start_ns) {
		int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;

		if (mtime + MTIME_SLACK_NS < t->start_ns) {
			fmt_time(mtime, when, sizeof(when));
			fmt_time(t->start_ns, began, sizeof(began));
			say(loc->why, sizeof(loc->why),
				 "written %s, before process %d started (%s): the PID was reused",
				 when, t->pid, began);
			return;
		}
	}
	loc->state = GS_AGENT_LIVE;
}

/* The caller's config dir, as gops' ConfigDir: the environment, then the passwd entry. */
static int caller_dir(char *buf, size_t sz, struct gs_err *err)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (gs_agent_config_dir(buf, sz, NULL) == 0)
		return 0;
	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res)
		return gs_errf(err, ENOENT,
			       "unable to get current user home directory: os/user lookup failed; $HOME is empty");
	return gs_agent_dir_rule(NULL, NULL, NULL, pw.pw_dir, buf, sz, err);
}

static void look_caller(const struct target *t, struct gs_agent_loc *loc)
{
	char dir[PATH_MAX], why[128];
	struct gs_err e = { 0 };
	int fd, n;

	if (caller_dir(dir, sizeof(dir), &e)) {
		say(loc->why, sizeof(loc->why), "%s", e.msg);
		return;
	}
	n = snprintf(loc->caller_path, sizeof(loc->caller_path), "%s/%d", dir, t->pid);
	if (n < 0 || (size_t)n >= sizeof(loc->caller_path)) {
		loc->caller_path[0] = '\0';
		say(loc->why, sizeof(loc->why), "gops config dir too long");
		return;
	}
	fd = open(loc->caller_path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		gs_agent_go_strerror(errno, why, sizeof(why));
		say(loc->why, sizeof(loc->why), "open %s: %s", loc->caller_path, why);
		return;
	}
	snprintf(loc->path, sizeof(loc->path), "%s", loc->caller_path);
	loc->view = GS_VIEW_CALLER;
	judge(t, fd, false, loc);
	close(fd);
}

/* Copy an environment value out as a C string; false if absent, empty or too long. */
static bool env_copy(const char *env, size_t len, const char *name, char *out, size_t sz)
{
	const char *v;
	size_t n;

	out[0] = '\0';
	if (!gs_environ_get(env, len, name, &v, &n) || n == 0 || n >= sz || memchr(v, '\0', n))
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

/* The target's passwd home, read inside its own root (user.Current's last resort). */
static bool target_pw_home(int rootfd, uid_t uid, char *out, size_t sz)
{
	struct stat st;
	char *buf;
	ssize_t n;
	bool ok = false;
	int fd = gs_inroot_open(rootfd, "/etc/passwd", NULL);

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (buf = malloc(PASSWD_CAP))) {
		n = read_small(fd, buf, PASSWD_CAP);
		ok = n > 0 && gs_passwd_home(buf, (size_t)n, uid, out, sz);
		free(buf);
	}
	close(fd);
	return ok;
}

/* Where the target itself would have put its port file. */
static void look_target(const struct target *t, struct gs_agent_loc *loc)
{
	char gops[PATH_MAX], xdg[PATH_MAX], home[PATH_MAX], pwh[PATH_MAX];
	char dir[PATH_MAX], name[PATH_MAX + 16], why[128];
	struct gs_err e = { 0 };
	char *env = NULL;
	const char *base;
	int rootfd = -1, basefd = -1, fd, nspid;
	ssize_t n;

	if (!t->has_status) {
		say(loc->why, sizeof(loc->why), "its status could not be read");
		return;
	}
	nspid = t->status.has_nspid ? t->status.nspid : t->pid;
	loc->ns_pid = nspid;
	env = malloc(ENV_CAP);
	if (!env)
		return;
	n = gs_proc_read(t->pid, "environ", env, ENV_CAP, NULL, &e);
	if (n < 0) {
		say(loc->why, sizeof(loc->why), "its environment could not be read (%s)",
			 gs_proc_denied(&e) ? "permission denied" : e.msg);
		goto out;
	}
	env_copy(env, (size_t)n, "GOPS_CONFIG_DIR", gops, sizeof(gops));
	env_copy(env, (size_t)n, "XDG_CONFIG_HOME", xdg, sizeof(xdg));
	env_copy(env, (size_t)n, "HOME", home, sizeof(home));
	pwh[0] = '\0';

	snprintf(name, sizeof(name), "%s/%d/root", gs_proc_root(), t->pid);
	rootfd = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		gs_agent_go_strerror(errno, why, sizeof(why));
		say(loc->why, sizeof(loc->why), "its root could not be opened (%s)", why);
		goto out;
	}
	if (!gops[0] && !xdg[0] && !home[0])
		target_pw_home(rootfd, t->status.uid[0], pwh, sizeof(pwh));
	if (gs_agent_dir_rule(gops, xdg, home, pwh, dir, sizeof(dir), &e)) {
		say(loc->why, sizeof(loc->why), "it has no gops config dir");
		goto out;
	}
	/* A relative dir was relative to the process's working directory. */
	if (dir[0] == '/') {
		basefd = rootfd;
		base = "root";
	} else {
		snprintf(name, sizeof(name), "%s/%d/cwd", gs_proc_root(), t->pid);
		basefd = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
		base = "cwd/";
		if (basefd < 0) {
			say(loc->why, sizeof(loc->why), "its working directory could not be opened");
			goto out;
		}
	}
	snprintf(name, sizeof(name), "%s/%d", dir, nspid);
	say(loc->path, sizeof(loc->path), "%s/%d/%s%s", gs_proc_root(), t->pid, base, name);
	fd = gs_inroot_open(basefd, name, &e);
	if (fd < 0) {
		gs_agent_go_strerror(e.code, why, sizeof(why));
		say(loc->why, sizeof(loc->why), "open %s: %s", loc->path, why);
		loc->path[0] = '\0';
		goto out;
	}
	loc->view = GS_VIEW_TARGET;
	judge(t, fd, true, loc);
	close(fd);
out:
	if (basefd >= 0 && basefd != rootfd)
		close(basefd);
	if (rootfd >= 0)
		close(rootfd);
	free(env);
}

/* Step 3: no port file anywhere; an agent linked in and one loopback listener. */
static void look_sockets(const struct target *t, const struct gs_class *c,
			 struct gs_agent_loc *loc)
{
	struct gs_class *own = NULL;
	struct gs_err e = { 0 };
	size_t used = strlen(loc->why);
	uint16_t port = 0;
	int n, fd;

	if (!c) {
		fd = gs_proc_open_exe(t->pid, &e);
		if (fd < 0)
			return;
		c = own = gs_classify_fd(fd, &e);
		close(fd);
	}
	if (!gs_agent_linked(c))
		goto out;
	n = gs_agent_loopback_listeners(t->pid, &port, &e);
	if (n == 1) {
		loc->state = GS_AGENT_LIVE;
		loc->view = GS_VIEW_SOCKET;
		loc->port = port;
		loc->listening = true;
		loc->path[0] = '\0';
		loc->why[0] = '\0';
	} else if (n < 0) {
		say(loc->why + used, sizeof(loc->why) - used,
		    "; it links a gops agent, but its sockets could not be read (%s)",
		    gs_proc_denied(&e) ? "permission denied" : e.msg);
	} else if (n == 0) {
		say(loc->why + used, sizeof(loc->why) - used,
		    "; it links a gops agent, but listens on no loopback TCP port");
	} else {
		say(loc->why + used, sizeof(loc->why) - used,
		    "; it links a gops agent and listens on %d loopback TCP ports: no port file says which is the agent's",
		    n);
	}
out:
	if (own)
		gs_class_put(own);
}

static bool other_netns(int pid)
{
	struct stat self;
	uint64_t ino;

	if (gs_proc_ns(pid, "net", &ino, NULL) || stat("/proc/self/ns/net", &self) < 0)
		return false;
	return ino != (uint64_t)self.st_ino;
}

static void loc_reset(struct gs_agent_loc *loc, int pid)
{
	memset(loc, 0, sizeof(*loc));
	loc->pid = pid;
}

int gs_agent_locate(int pid, unsigned flags, struct gs_agent_loc *loc, struct gs_err *err)
{
	return gs_agent_locate_cls(pid, flags, NULL, loc, err);
}

int gs_agent_locate_cls(int pid, unsigned flags, const struct gs_class *c,
			struct gs_agent_loc *loc, struct gs_err *err)
{
	struct gs_agent_loc *alt;
	struct target t;

	loc_reset(loc, pid);
	if (pid <= 0)
		return gs_errf(err, EINVAL, "bad pid %d", pid);
	read_target(pid, &t);
	loc->other_netns = t.alive && other_netns(pid);
	look_caller(&t, loc);
	if (loc->state == GS_AGENT_LIVE || (flags & GS_LOCATE_CALLER_ONLY) || !t.alive)
		return 0;

	alt = malloc(sizeof(*alt));
	if (!alt)
		return 0;
	loc_reset(alt, pid);
	alt->other_netns = loc->other_netns;
	look_target(&t, alt);
	if (alt->state == GS_AGENT_LIVE || (loc->state == GS_AGENT_NONE && alt->state != GS_AGENT_NONE)) {
		/* Keep gops' own path for messages. */
		memcpy(alt->caller_path, loc->caller_path, sizeof(alt->caller_path));
		*loc = *alt;
	} else if (loc->state == GS_AGENT_NONE && alt->why[0]) {
		size_t used = strlen(loc->why);

		loc->ns_pid = alt->ns_pid;
		say(loc->why + used, sizeof(loc->why) - used, "; nor in its own config dir: %s",
			 alt->why);
	}
	free(alt);
	if (loc->state == GS_AGENT_NONE)
		look_sockets(&t, c, loc);
	return 0;
}

void gs_agent_loc_addr(const struct gs_agent_loc *loc, struct gs_agent_addr *a)
{
	gs_agent_addr_local(a, loc->port);
	if (loc->other_netns)
		a->netns_pid = loc->pid;
}

bool gs_agent_live(int pid)
{
	return gs_agent_live_cls(pid, NULL);
}

bool gs_agent_live_cls(int pid, const struct gs_class *c)
{
	struct gs_agent_loc *loc = malloc(sizeof(*loc));
	bool live;

	if (!loc)
		return false;
	live = gs_agent_locate_cls(pid, 0, c, loc, NULL) == 0 && loc->state == GS_AGENT_LIVE;
	free(loc);
	return live;
}

/* ---- many processes ---- */

#define SCAN_DIR_MAX (1u << 20)		/* more names than that: look everywhere */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Only the name gops would open for a PID: its canonical decimal. */
static bool pid_name(const char *name, int *pid)
{
	char back[16];

	if (name[0] < '1' || name[0] > '9' || !gs_parse_pid(name, pid))
		return false;
	snprintf(back, sizeof(back), "%d", *pid);
	return strcmp(back, name) == 0;
}

static void list_caller_dir(struct gs_agent_scan *s)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	s->listed = true;
	/* No config dir: gops' own lookup can find nothing for anyone. */
	if (caller_dir(dir, sizeof(dir), NULL))
		return;
	d = opendir(dir);
	if (!d) {
		s->all = errno != ENOENT && errno != ENOTDIR;
		return;
	}
	while ((de = readdir(d))) {
		int pid, *np;

		if (!pid_name(de->d_name, &pid))
			continue;
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			np = cap <= SCAN_DIR_MAX ? realloc(s->pids, cap * sizeof(*np)) : NULL;
			if (!np) {
				s->all = true;
				break;
			}
			s->pids = np;
		}
		s->pids[s->n++] = pid;
	}
	closedir(d);
	if (s->n > 1)
		qsort(s->pids, s->n, sizeof(*s->pids), cmp_int);
}

bool gs_agent_scan_live(struct gs_agent_scan *s, int pid, const struct gs_class *c)
{
	if (!c || c->agent_pkg != GS_AGENT_PKG_NONE)
		return gs_agent_live_cls(pid, c);
	if (!s->listed)
		list_caller_dir(s);
	if (s->all || (s->n && bsearch(&pid, s->pids, s->n, sizeof(*s->pids), cmp_int)))
		return gs_agent_live_cls(pid, c);
	return false;
}

void gs_agent_scan_fini(struct gs_agent_scan *s)
{
	free(s->pids);
	memset(s, 0, sizeof(*s));
}
