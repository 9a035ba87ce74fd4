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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytesize.h"
#include "gotool.h"
#include "outfile.h"
#include "output.h"
#include "proc.h"

#define COPY_CHUNK (64u << 10)

static int count_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	return gs_outfile_write(ctx, buf, len, err);
}

/* Flush a finished file to disk and close it; the exit code. */
static int finish_out(struct gs_outfile *f)
{
	struct gs_err err = { 0 };

	return gs_outfile_finish(f, &err) ? gs_error(GS_EXIT_ERROR, "%s", err.msg) : 0;
}

/*
 * Fetch the agent's trace or profile into a file, at most max bytes.
 * empty_msg is gops' text for an agent that sent nothing ("nothing has
 * traced"); what names the data in messages. Returns the exit code, or -1
 * when the agent's data did not all come: the file is removed then, and
 * msg says why (in gops' words where gops has some), not yet printed.
 */
static int fetch(const struct agent_target *t, int cmd, const struct gs_agent_timeouts *tm,
		 uint64_t max, const char *named, const char *prefix, const char *what,
		 const char *empty_msg, struct gs_outfile *f, char *msg, size_t msz)
{
	struct gs_agent_sink sink = { .fn = count_fn, .ctx = f, .fd = -1 };
	struct gs_agent_timeouts lim = *tm;
	struct gs_err err = { 0 };
	char note[PATH_MAX + 32], sz[32];
	ssize_t n;

	if (gs_outfile_open(named, prefix, f, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	if (f->is_stdout)
		fflush(stdout);
	lim.max_bytes = max;
	n = gs_agent_call(&t->addr, cmd, 0, &sink, &lim, &err);
	if (n >= 0)
		return finish_out(f);
	gs_outfile_close(f, true);
	if (f->bytes == 0 && err.code == EPROTO) {
		snprintf(msg, msz, "%s", empty_msg);
	} else if (err.code == EFBIG) {
		gs_fmt_size(max, sz, sizeof(sz));
		snprintf(msg, msz, "agent at %s sent a %s larger than %s (--max-size): stopped%s",
			 t->addr_str, what, sz, gs_outfile_removed_note(f, note, sizeof(note)));
	} else if (f->bytes) {
		/* Past the first byte it is no dial error: no gops prefix to add. */
		snprintf(msg, msz, "%s%s", err.msg, gs_outfile_removed_note(f, note, sizeof(note)));
	} else if (strncmp(err.msg, "dial ", 5) == 0) {
		snprintf(msg, msz, "couldn't get port by PID: %s", err.msg);
	} else {
		snprintf(msg, msz, "%s", err.msg);
	}
	return -1;
}

/*
 * The target's executable: /proc/PID/exe, opened (fd) before the profile
 * was asked for. At most max bytes; a larger file is refused before a
 * byte is written.
 */
static int copy_binary(int fd, int pid, uint64_t max, const char *named, struct gs_outfile *f)
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
	if (gs_outfile_open(named, "binary", f, &err)) {
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
		if ((rc = gs_outfile_write(f, buf, (size_t)n, &err)) < 0)
			break;
		off += n;
	}
	free(buf);
	if (rc < 0) {
		gs_outfile_close(f, true);
		return gs_error(GS_EXIT_ERROR, "%s%s", err.msg,
				gs_outfile_removed_note(f, note, sizeof(note)));
	}
	return finish_out(f);
}

static void file_json(json_t *o, const char *key, const struct gs_outfile *f)
{
	char k[64];

	json_object_set_new(o, key, f->is_stdout ? json_null() : gs_json_str(f->path));
	snprintf(k, sizeof(k), "%s_bytes", key);
	json_object_set_new(o, k, json_integer((json_int_t)f->bytes));
}

int agent_run_file_try(const struct agent_cmd *c, const struct agent_target *t,
		       const struct agent_opts *o, char *agent_err, size_t errsz)
{
	bool pprof = c->kind == AK_PPROF, to_stdout = o->out && !strcmp(o->out, "-");
	bool launch = !o->no_launch && !gs_opts.json && !to_stdout && gs_go_on_path();
	bool want_bin = pprof && (!to_stdout || o->bin_out), have_bin = false;
	uint64_t max_data = o->max_size ? o->max_size : AGENT_MAX_DATA;
	uint64_t max_bin = o->max_binary ? o->max_binary : AGENT_MAX_BINARY;
	/* With the data on stdout, the messages go to stderr. */
	FILE *msg = to_stdout ? stderr : stdout;
	struct gs_err err = { 0 };
	struct gs_outfile data, bin;
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
			   "failed to read the profile", &data, agent_err, errsz);
	else
		rc = fetch(t, c->cmd, &o->t, max_data, o->out, "trace", "trace",
			   "nothing has traced", &data, agent_err, errsz);
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

int agent_run_file(const struct agent_cmd *c, const struct agent_target *t,
		   const struct agent_opts *o)
{
	char agent_err[2 * PATH_MAX];
	int rc = agent_run_file_try(c, t, o, agent_err, sizeof(agent_err));

	return rc >= 0 ? rc : gs_error(GS_EXIT_ERROR, "%s", agent_err);
}
