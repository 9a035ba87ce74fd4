/* SPDX-License-Identifier: MIT */
/*
 * trace, pprof-heap and pprof-cpu: the agent's data (and for a profile, the
 * binary) written to files opened the way a root-run tool must in a shared
 * directory, gops' messages, then `go tool trace|pprof` as gops runs it.
 *
 * Unlike gops, the binary is never asked of the agent (command 0x09): an
 * "agent" is whatever listens where a port file points, and could send any
 * bytes of any length. It is copied from /proc/PID/exe, opened before the
 * profile is asked for, so it is the executable of the process whose port
 * file was trusted. A HOST:PORT target names no process: no binary then,
 * and `go tool pprof` reads the profile alone (Go's profiles carry their
 * function names). Every file has a size cap; a file that failed is removed.
 */
#include "agentcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytesize.h"
#include "output.h"
#include "proc.h"

#define COPY_CHUNK (64u << 10)

struct outfile {
	char path[PATH_MAX];
	int fd;
	bool temp;		/* ours to remove after the tool ran */
	bool is_stdout;
	dev_t dev;		/* the file we opened, so a failure removes that one only */
	ino_t ino;
	uint64_t bytes;
};

/*
 * -o FILE, opened the way a root-run tool must in a shared directory: a new
 * file is created 0600 without following links; an existing one is reused
 * only when it is a regular file of ours with no other name. A symlink,
 * another user's file, or a hard link to some file of ours (planted where
 * fs.protected_hardlinks is 0) at that name -- in /tmp, say -- is refused,
 * never followed or truncated.
 */
static int open_named(const char *named, struct outfile *f, struct gs_err *err)
{
	const int base = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	struct stat st;

	f->fd = open(named, base | O_CREAT | O_EXCL, 0600);
	if (f->fd < 0) {
		if (errno != EEXIST)
			goto fail;
		f->fd = open(named, base | O_NONBLOCK);
		if (f->fd < 0)
			goto fail;
	}
	if (fstat(f->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(f->fd);
		f->fd = -1;
		return gs_errf(err, EPERM, "%s: refusing to write: not a regular file owned by you",
			       named);
	}
	/* Checked on the open file: the name cannot be swapped under the check. */
	if (st.st_nlink != 1) {
		close(f->fd);
		f->fd = -1;
		return gs_errf(err, EPERM,
			       "%s: refusing to write: it has %ju hard links, so it may be another "
			       "file under a planted name", named, (uintmax_t)st.st_nlink);
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (fcntl(f->fd, F_SETFL, 0) < 0 || ftruncate(f->fd, 0) < 0)
		goto fail;
	return 0;
fail:
	if (errno == ELOOP)
		return gs_errf(err, ELOOP, "%s: refusing to follow a symbolic link", named);
	{
		int e = errno;

		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		return gs_errf(err, e, "%s: %s", named, strerror(e));
	}
}

static int open_out(const char *named, const char *prefix, struct outfile *f, struct gs_err *err)
{
	const char *dir = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (named && strcmp(named, "-") == 0) {
		snprintf(f->path, sizeof(f->path), "-");
		f->fd = STDOUT_FILENO;
		f->is_stdout = true;
		return 0;
	}
	if (named) {
		if (strlen(named) >= sizeof(f->path))
			return gs_errf(err, ENAMETOOLONG, "%s: name too long", named);
		strcpy(f->path, named);
		return open_named(named, f, err);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(f->path, sizeof(f->path), "%s/%sXXXXXX", dir, prefix) >= (int)sizeof(f->path))
		return gs_errf(err, ENAMETOOLONG, "TMPDIR too long");
	/* mkostemp: O_CREAT | O_EXCL, mode 0600. */
	f->fd = mkostemp(f->path, O_CLOEXEC);
	if (f->fd < 0)
		return gs_errf(err, errno, "%s: %s", f->path, strerror(errno));
	f->temp = true;
	{
		struct stat st;

		if (fstat(f->fd, &st) == 0) {
			f->dev = st.st_dev;
			f->ino = st.st_ino;
		}
	}
	return 0;
}

static int write_all(struct outfile *f, const void *buf, size_t len, struct gs_err *err)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(f->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gs_errf(err, w < 0 ? errno : EIO, "%s: %s", f->path,
				       strerror(w < 0 ? errno : EIO));
		p += w;
		len -= (size_t)w;
		f->bytes += (uint64_t)w;
	}
	return 0;
}

static int count_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	return write_all(ctx, buf, len, err);
}

/*
 * Close; after a failure also remove the file -- what -o named (created or
 * reused: it holds a part of a reply, or nothing) or our temporary file --
 * as long as the name still leads to the file we wrote.
 */
static void close_out(struct outfile *f, bool failed)
{
	struct stat st;

	if (f->fd >= 0 && !f->is_stdout)
		close(f->fd);
	f->fd = -1;
	if (failed && !f->is_stdout && f->path[0] && lstat(f->path, &st) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
}

/* "; partial FILE removed" for a message, when a file had some of the data. */
static const char *removed_note(const struct outfile *f, char *buf, size_t sz)
{
	if (f->is_stdout || !f->bytes)
		return "";
	snprintf(buf, sz, "; partial file %s removed", f->path);
	return buf;
}

/* Flush a finished file to disk and close it; the exit code. */
static int finish_out(struct outfile *f)
{
	if (!f->is_stdout && fsync(f->fd) < 0 && errno != EINVAL) {
		int e = errno;

		close_out(f, true);
		return gs_error(GS_EXIT_ERROR, "%s: %s", f->path, strerror(e));
	}
	close_out(f, false);
	return 0;
}

/*
 * Fetch the agent's trace or profile into a file, at most max bytes.
 * empty_msg is gops' text for an agent that sent nothing ("nothing has
 * traced"); what names the data in messages.
 */
static int fetch(const struct agent_target *t, int cmd, const struct gs_agent_timeouts *tm,
		 uint64_t max, const char *named, const char *prefix, const char *what,
		 const char *empty_msg, struct outfile *f)
{
	struct gs_agent_sink sink = { .fn = count_fn, .ctx = f, .fd = -1 };
	struct gs_agent_timeouts lim = *tm;
	struct gs_err err = { 0 };
	char note[PATH_MAX + 32], sz[32];
	ssize_t n;

	if (open_out(named, prefix, f, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	if (f->is_stdout)
		fflush(stdout);
	lim.max_bytes = max;
	n = gs_agent_call(&t->addr, cmd, 0, &sink, &lim, &err);
	if (n < 0) {
		close_out(f, true);
		if (f->bytes == 0 && err.code == EPROTO)
			return gs_error(GS_EXIT_ERROR, "%s", empty_msg);
		if (err.code == EFBIG) {
			gs_fmt_size(max, sz, sizeof(sz));
			return gs_error(GS_EXIT_ERROR,
					"agent at %s sent a %s larger than %s (--max-size): stopped%s",
					t->addr_str, what, sz, removed_note(f, note, sizeof(note)));
		}
		/* Past the first byte it is no dial error: no gops prefix to add. */
		if (f->bytes)
			return gs_error(GS_EXIT_ERROR, "%s%s", err.msg,
					removed_note(f, note, sizeof(note)));
		return agent_call_error(&err);
	}
	return finish_out(f);
}

/*
 * The target's executable: /proc/PID/exe, opened (fd) before the profile
 * was asked for. At most max bytes; a larger file is refused before a
 * byte is written.
 */
static int copy_binary(int fd, int pid, uint64_t max, const char *named, struct outfile *f)
{
	struct gs_err err = { 0 };
	char sz[32], note[PATH_MAX + 32];
	struct stat st;
	char *buf;
	int rc = 0;

	gs_fmt_size(max, sz, sizeof(sz));
	if (fstat(fd, &st) < 0)
		return gs_error(GS_EXIT_ERROR, "failed to read the binary of PID %d: %s", pid,
				strerror(errno));
	if ((uint64_t)st.st_size > max)
		return gs_error(GS_EXIT_ERROR,
				"the binary of PID %d is %jd bytes, larger than %s (--max-binary): "
				"not copied", pid, (intmax_t)st.st_size, sz);
	buf = malloc(COPY_CHUNK);
	if (!buf)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	if (open_out(named, "binary", f, &err)) {
		free(buf);
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	}
	for (off_t off = 0;;) {
		ssize_t n = pread(fd, buf, COPY_CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = gs_errf(&err, errno, "failed to read the binary of PID %d: %s", pid,
				     strerror(errno));
			break;
		}
		if (n == 0)
			break;
		/* It may grow while we copy: the cap holds for what is written. */
		if ((uint64_t)n > max - f->bytes) {
			rc = gs_errf(&err, EFBIG,
				     "the binary of PID %d grew past %s (--max-binary) while copied",
				     pid, sz);
			break;
		}
		if ((rc = write_all(f, buf, (size_t)n, &err)) < 0)
			break;
		off += n;
	}
	free(buf);
	if (rc < 0) {
		close_out(f, true);
		return gs_error(GS_EXIT_ERROR, "%s%s", err.msg, removed_note(f, note, sizeof(note)));
	}
	return finish_out(f);
}

static void file_json(json_t *o, const char *key, const struct outfile *f)
{
	char k[64];

	json_object_set_new(o, key, f->is_stdout ? json_null() : gs_json_str(f->path));
	snprintf(k, sizeof(k), "%s_bytes", key);
	json_object_set_new(o, k, json_integer((json_int_t)f->bytes));
}

int agent_run_file(const struct agent_cmd *c, const struct agent_target *t,
		   const struct agent_opts *o)
{
	bool pprof = c->kind == AK_PPROF, to_stdout = o->out && !strcmp(o->out, "-");
	bool launch = !o->no_launch && !gs_opts.json && !to_stdout && gs_go_on_path();
	bool want_bin = pprof && (!to_stdout || o->bin_out), have_bin = false;
	uint64_t max_data = o->max_size ? o->max_size : AGENT_MAX_DATA;
	uint64_t max_bin = o->max_binary ? o->max_binary : AGENT_MAX_BINARY;
	/* With the data on stdout, the messages go to stderr. */
	FILE *msg = to_stdout ? stderr : stdout;
	struct gs_err err = { 0 };
	struct outfile data, bin;
	int rc, exe = -1;

	memset(&bin, 0, sizeof(bin));
	bin.fd = -1;
	if (want_bin && t->loc.pid <= 0) {
		if (o->bin_out)
			return gs_usage_error(c->name,
					      "--binary-output: %s names no process, and the binary is "
					      "only ever copied from /proc/PID/exe, never asked of the agent",
					      t->text);
		gs_warn("%s names no process: no binary copied (goscope copies it from "
			"/proc/PID/exe only, never from the agent); the profile stands alone", t->text);
		want_bin = false;
	} else if (want_bin) {
		/* Opened now: the executable of the process whose port file was trusted. */
		exe = gs_proc_open_exe(t->loc.pid, &err);
		if (exe < 0 && o->bin_out)
			return gs_error(GS_EXIT_ERROR, "cannot read the binary of PID %d: %s",
					t->loc.pid, err.msg);
		if (exe < 0) {
			gs_warn("cannot read the binary of PID %d (%s): the profile stands alone",
				t->loc.pid, err.msg);
			want_bin = false;
		}
	}
	if (!gs_opts.json) {
		if (c->cmd == GS_AGENT_TRACE)
			fputs("Tracing now, will take 5 secs...\n", msg);
		else if (c->cmd == GS_AGENT_CPU_PROFILE)
			fputs("Profiling CPU now, will take 30 secs...\n", msg);
		fflush(msg);
	}
	if (pprof)
		rc = fetch(t, c->cmd, &o->t, max_data, o->out,
			   c->cmd == GS_AGENT_CPU_PROFILE ? "cpu_profile" : "heap_profile", "profile",
			   "failed to read the profile", &data);
	else
		rc = fetch(t, c->cmd, &o->t, max_data, o->out, "trace", "trace",
			   "nothing has traced", &data);
	if (rc)
		goto out;
	if (!gs_opts.json && !to_stdout)
		printf("%s dump saved to: %s\n", pprof ? "Profile" : "Trace", data.path);

	if (want_bin) {
		rc = copy_binary(exe, t->loc.pid, max_bin, o->bin_out, &bin);
		if (rc)
			goto out;	/* the profile stays where it was saved */
		have_bin = true;
		if (!gs_opts.json)
			fprintf(msg, "Binary file saved to: %s\n", bin.path);
	}
	fflush(stdout);

	if (gs_opts.json) {
		json_t *doc = agent_json_head(t, c->name);

		file_json(doc, "file", &data);
		if (have_bin)
			file_json(doc, "binary", &bin);
		else if (pprof)
			json_object_set_new(doc, "binary", json_null());
		rc = gs_json_emit(doc);
		json_decref(doc);
		goto out;
	}
	if (!launch) {
		rc = GS_EXIT_OK;
		goto out;
	}
	if (pprof) {
		char *argv[] = { "go", "tool", "pprof", bin.path, data.path, NULL };

		if (!have_bin) {
			argv[3] = data.path;
			argv[4] = NULL;
		}
		rc = gs_go_tool(argv);
	} else {
		char *argv[] = { "go", "tool", "trace", data.path, NULL };

		rc = gs_go_tool(argv);
	}
	if (data.temp)
		unlink(data.path);
	if (have_bin && bin.temp)
		unlink(bin.path);
out:
	if (exe >= 0)
		close(exe);
	return rc;
}
