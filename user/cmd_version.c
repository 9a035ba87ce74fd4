/* SPDX-License-Identifier: MIT */
/*
 * goscope version [-m] PID|FILE...: what `go version [-m]` prints, for files
 * and for running processes (through /proc/PID/exe, so deleted binaries and
 * binaries in other mount namespaces work). Without arguments: goscope's
 * own version. `goscope version PID|HOST:PORT` asks a gops agent, as gops
 * does: the routing is here, the asking in cmd_agent.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentcmd.h"
#include "commands.h"
#include "gojson.h"
#include "layoutjson.h"
#include "output.h"
#include "versiontext.h"
#include "version.h"

static void help(void)
{
	printf("Usage: goscope [OPTIONS] version [-m] [PID|FILE...]\n"
	       "       goscope [OPTIONS] version [--agent|--no-agent] PID|HOST:PORT\n"
	       "\n"
	       "Print the Go version each executable was built with, as `go version` does:\n"
	       "  PATH: go1.19.8\n"
	       "A PID (all digits) means that process's executable, read through\n"
	       "/proc/PID/exe (write ./123 for a file named 123); PATH is then the\n"
	       "executable's path, with \" (deleted)\" if it was removed. Binaries without\n"
	       "build info that are still recognised as Go show the recovered version, a\n"
	       "range such as \"go1.20+\", or \"unknown\".\n"
	       "With no PID or FILE, print goscope's own version.\n"
	       "\n"
	       "The gops form: with exactly one argument and no -m, a HOST:PORT (anything\n"
	       "with a ':' that is not an existing file) asks that gops agent, and a PID\n"
	       "whose process runs a live gops agent asks the agent, printing its\n"
	       "runtime.Version() alone (\"go1.19.8\"), as `gops version PID` does. A PID\n"
	       "without an agent, or whose agent does not answer (a warning then), falls\n"
	       "back to the executable. A reply that is not a Go version (go1.N[.M],\n"
	       "go1.NrcK, go1.NbetaK, a -suffix, \"devel ...\"; one line, printable ASCII)\n"
	       "is an error.\n"
	       "\n"
	       "  -m, --modules   also print the module info, one tab-indented line each\n"
	       "                  (path, mod, dep, =>, build), as `go version -m`; never\n"
	       "                  asks an agent\n"
	       "      --agent     always ask the agent (gops' errors if there is none)\n"
	       "      --no-agent  never ask an agent: read the executable\n"
	       "      --timeout DUR, --connect-timeout DUR\n"
	       "                  waits for the agent (see 'goscope agent --help')\n"
	       "  -h, --help      print this help\n"
	       "\n"
	       "With --json: {\"files\": [{\"path\", \"pid\", \"go\", \"error\"}]} (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 every argument is a Go binary, 1 one is not Go or could not\n"
	       "be read (\"PATH: not a Go binary (reason)\" on stderr), 2 bad command line.\n");
}

/*
 * Modinfo as `go version -m` prints it: each line after a tab, through the
 * terminal filter (its tabs kept), so module paths cannot forge lines.
 */
static void print_modinfo(const char *text, size_t len)
{
	if (len && text[len - 1] == '\n')
		len--;
	for (;;) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;

		putchar('\t');
		gs_fwrite_text_safe(text, n, stdout);
		putchar('\n');
		if (!nl)
			break;
		text += n + 1;
		len -= n + 1;
	}
}

static bool parse_pid(const char *s, int *pid)
{
	long v = 0;

	if (*s < '1' || *s > '9')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return false;
	}
	*pid = (int)v;
	return true;
}

/* Open the argument; path gets what to print. Returns fd or -1 with err. */
static int open_arg(const char *arg, int *pid, char *path, size_t pathsz, struct gs_err *err)
{
	struct stat sb;
	int fd;

	*pid = 0;
	snprintf(path, pathsz, "%s", arg);
	if (parse_pid(arg, pid)) {
		fd = gs_proc_open_exe(*pid, err);
		if (fd < 0) {
			if (gs_proc_gone(err))
				gs_errf(err, ESRCH, "no such process");
			return -1;
		}
		if (gs_proc_exe_path(*pid, path, pathsz, NULL))
			snprintf(path, pathsz, "%s/%d/exe", gs_proc_root(), *pid);
	} else {
		fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return gs_errf(err, errno, "%s", strerror(errno));
	}
	if (fstat(fd, &sb) < 0) {
		gs_errf(err, errno, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		gs_errf(err, EINVAL, S_ISDIR(sb.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

/* One argument. Returns 0 when it is Go (or probably Go), 1 otherwise. */
static int one(const char *arg, bool modules, json_t *files)
{
	struct gs_err err = { 0 };
	char path[PATH_MAX + 16], why[sizeof(err.msg) + 64];
	struct gs_class *c = NULL;
	json_t *o = NULL, *layout = NULL;
	int pid, fd, rc = 0;

	fd = open_arg(arg, &pid, path, sizeof(path), &err);
	if (fd >= 0) {
		c = gs_classify_fd(fd, &err);
		if (files && c && c->verdict != GS_NOT_GO)
			layout = gs_layout_json(fd);
		close(fd);
	}
	why[0] = '\0';
	if (!c) {
		snprintf(why, sizeof(why), "%s", err.msg);
		rc = 1;
	} else if (c->verdict == GS_NOT_GO) {
		snprintf(why, sizeof(why), "not a Go binary%s%s%s", c->reason[0] ? " (" : "",
			 c->reason, c->reason[0] ? ")" : "");
		rc = 1;
	}

	if (files) {
		o = json_object();
		json_object_set_new(o, "path", gs_json_str(path));
		json_object_set_new(o, "pid", pid ? json_integer(pid) : json_null());
		json_object_set_new(o, "go", c ? gs_class_json(c) : json_null());
		json_object_set_new(o, "runtime_layout", layout ? layout : json_null());
		json_object_set_new(o, "error", why[0] ? gs_json_str(why) : json_null());
		json_array_append_new(files, o);
	} else if (rc) {
		fflush(stdout);
		gs_fputs_safe(path, stderr);
		fputs(": ", stderr);
		gs_fputs_safe(why, stderr);
		fputc('\n', stderr);
	} else {
		gs_fputs_safe(path, stdout);
		fputs(": ", stdout);
		gs_fputs_safe(gs_class_version(c), stdout);
		putchar('\n');
		if (modules && c->modinfo && c->modinfo_len)
			print_modinfo(c->modinfo, c->modinfo_len);
	}
	if (c)
		gs_class_put(c);
	return rc;
}

/* The binary's answer for each PID or FILE, as `go version [-m]` gives it. */
static int version_files(const char *const *args, int n, bool modules)
{
	json_t *doc = NULL, *files = NULL;
	int rc = GS_EXIT_OK;

	if (n == 0) {
		if (modules)
			return gs_usage_error("version", "-m needs a PID or FILE");
		if (gs_opts.json) {
			doc = json_pack("{s:s}", "goscope", GOSCOPE_VERSION);
			gs_json_emit(doc);
			json_decref(doc);
		} else {
			printf("goscope %s\n", GOSCOPE_VERSION);
		}
		return GS_EXIT_OK;
	}

	if (gs_opts.json) {
		doc = json_object();
		files = json_array();
		json_object_set_new(doc, "files", files);
	}
	for (int i = 0; i < n; i++)
		if (one(args[i], modules, files))
			rc = GS_EXIT_ERROR;
	if (gs_opts.json) {
		if (gs_json_emit(doc))
			rc = GS_EXIT_ERROR;
		json_decref(doc);
	}
	return rc;
}

static bool all_digits(const char *s)
{
	return s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s);
}

/*
 * The binary's Go version or the agent's. The agent is asked only for
 * exactly one TARGET and no -m: HOST:PORT always; a PID when it has a live
 * agent that answers (otherwise the binary: quietly when there is no agent,
 * with a warning when it failed). --agent always asks the agent, --no-agent
 * never does.
 */
static int route(const struct agent_opts *o)
{
	const struct agent_cmd *c = agent_cmd_find("version");
	struct stat sb;
	int rc;

	if (o->help) {
		help();
		return GS_EXIT_OK;
	}
	if (o->agent && (o->modules || o->no_agent))
		return gs_usage_error("version", "--agent cannot go with %s",
				      o->modules ? "-m (the agent knows no module info)" : "--no-agent");
	if (o->agent) {
		if (o->npos > 1)
			return gs_usage_error("version", "--agent takes one PID or HOST:PORT");
		return agent_run(c, "version", o);
	}
	if (!o->modules && !o->no_agent && o->npos == 1) {
		const char *a = o->pos[0];

		if (strchr(a, ':') && stat(a, &sb) < 0)
			return agent_run(c, "version", o);
		if (all_digits(a) && (rc = agent_version_of_pid(a, o)) >= 0)
			return rc;
	}
	return version_files(o->pos, o->npos, o->modules);
}

int cmd_version(int argc, char **argv)
{
	struct agent_opts o;
	int rc = agent_parse_opts("version", argc, argv, AGENT_O_VERSION, &o);

	if (rc == 0)
		rc = route(&o);
	free(o.pos);
	return rc;
}
