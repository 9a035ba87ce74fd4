/* SPDX-License-Identifier: MIT */
/* `go tool trace|pprof FILE...`, run as gops runs it, when go is on PATH. */
#include "gotool.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"

/* Is there an executable "go" on PATH? */
bool gs_go_on_path(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);

		if (n == 0) {
			if (access("go", X_OK) == 0)
				return true;
		} else if (n + 4 < sizeof(buf)) {
			memcpy(buf, path, n);
			memcpy(buf + n, "/go", 4);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n + (c ? 1 : 0);
	}
	return false;
}

/* go tool TOOL ARGS..., with our stdio; its exit status. */
int gs_go_tool(char *const argv[])
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return gs_error(GS_EXIT_ERROR, "fork: %s", strerror(errno));
	if (pid == 0) {
		execvp("go", argv);
		fprintf(stderr, "goscope: go: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return gs_error(GS_EXIT_ERROR, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return GS_EXIT_OK;
	return gs_error(GS_EXIT_ERROR, "go tool %s failed", argv[2]);
}
