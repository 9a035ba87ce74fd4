/* SPDX-License-Identifier: MIT */
/*
 * trace, pprof-heap and pprof-cpu: the agent's data (and for a profile, the
 * binary) written to files opened the way a root-run tool must in a shared
 * directory, gops' messages, then `go tool trace|pprof` as gops runs it.
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

#include "output.h"

struct outfile {
	char path[PATH_MAX];
	int fd;
	bool temp;		/* ours to remove after the tool ran */
	bool created;		/* we made it: remove it when the data did not come */
	bool is_stdout;
	uint64_t bytes;
};

/*
 * -o FILE, opened the way a root-run tool must in a shared directory: a new
 * file is created 0600 without following links; an existing one is reused
 * only when it is a regular file of ours. A symlink or another user's file
 * planted at that name (in /tmp, say) is refused, never followed or
 * truncated.
 */
static int open_named(const char *named, struct outfile *f, struct gs_err *err)
{
	const int base = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	struct stat st;

	f->fd = open(named, base | O_CREAT | O_EXCL, 0600);
	if (f->fd >= 0) {
		f->created = true;
		return 0;
	}
	if (errno != EEXIST)
		goto fail;
	f->fd = open(named, base | O_NONBLOCK);
	if (f->fd < 0)
		goto fail;
	if (fstat(f->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(f->fd);
		f->fd = -1;
		return gs_errf(err, EPERM, "%s: refusing to write: not a regular file owned by you",
			       named);
	}
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
	f->temp = f->created = true;
	return 0;
}

static int count_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct outfile *f = ctx;
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

static void close_out(struct outfile *f, bool failed)
{
	if (f->fd >= 0 && !f->is_stdout)
		close(f->fd);
	f->fd = -1;
	if (failed && f->created)
		unlink(f->path);
}

/*
 * Fetch one binary reply into a file. empty_msg is gops' text for an agent
 * that sent nothing ("nothing has traced").
 */
static int fetch(const struct agent_target *t, int cmd, const struct gs_agent_timeouts *tm,
		 const char *named, const char *prefix, const char *empty_msg, const char *err_prefix,
		 struct outfile *f)
{
	struct gs_agent_sink sink = { .fn = count_fn, .ctx = f, .fd = -1 };
	struct gs_err err = { 0 };
	ssize_t n;

	if (open_out(named, prefix, f, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	if (f->is_stdout)
		fflush(stdout);
	n = gs_agent_call(&t->addr, cmd, 0, &sink, tm, &err);
	if (n < 0) {
		close_out(f, true);
		if (f->bytes == 0 && err.code == EPROTO)
			return gs_error(GS_EXIT_ERROR, "%s", empty_msg);
		if (err_prefix)
			return gs_error(GS_EXIT_ERROR, "%s: %s", err_prefix, err.msg);
		return agent_call_error(&err);
	}
	if (!f->is_stdout && fsync(f->fd) < 0 && errno != EINVAL) {
		int e = errno;

		close_out(f, true);
		return gs_error(GS_EXIT_ERROR, "%s: %s", f->path, strerror(e));
	}
	close_out(f, false);
	return 0;
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
	/* With the data on stdout, the messages go to stderr. */
	FILE *msg = to_stdout ? stderr : stdout;
	struct outfile data, bin;
	bool have_bin = false;
	int rc;

	memset(&bin, 0, sizeof(bin));
	bin.fd = -1;
	if (!gs_opts.json) {
		if (c->cmd == GS_AGENT_TRACE)
			fputs("Tracing now, will take 5 secs...\n", msg);
		else if (c->cmd == GS_AGENT_CPU_PROFILE)
			fputs("Profiling CPU now, will take 30 secs...\n", msg);
		fflush(msg);
	}
	if (pprof)
		rc = fetch(t, c->cmd, &o->t, o->out,
			   c->cmd == GS_AGENT_CPU_PROFILE ? "cpu_profile" : "heap_profile",
			   "failed to read the profile", NULL, &data);
	else
		rc = fetch(t, c->cmd, &o->t, o->out, "trace", "nothing has traced", NULL, &data);
	if (rc)
		return rc;
	if (!gs_opts.json && !to_stdout)
		printf("%s dump saved to: %s\n", pprof ? "Profile" : "Trace", data.path);

	if (pprof && (!to_stdout || o->bin_out)) {
		struct gs_agent_timeouts bt = o->t;

		rc = fetch(t, GS_AGENT_BINARY_DUMP, &bt, o->bin_out, "binary",
			   "failed to read the binary", "failed to read the binary", &bin);
		if (rc)
			return rc;	/* the profile stays where it was saved */
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
		return rc;
	}
	if (!launch)
		return GS_EXIT_OK;
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
	return rc;
}
