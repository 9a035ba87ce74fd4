/* SPDX-License-Identifier: MIT */
/* `go tool trace|pprof FILE...`, run as gops runs it (gotool.c). */
#ifndef GOSCOPE_GOTOOL_H
#define GOSCOPE_GOTOOL_H

#include <stdbool.h>

/* Is there an executable "go" on PATH? */
bool gs_go_on_path(void);
/* go tool TOOL ARGS... (argv[0] "go"), with our stdio; its exit code. */
int gs_go_tool(char *const argv[]);

#endif
