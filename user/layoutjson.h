/* SPDX-License-Identifier: MIT */
/*
 * The "runtime_layout" object of `version --json` and `process --json`:
 * where goscope's agentless readers find a binary's runtime state -- the
 * field offsets (the binary's DWARF or the generated table's row for its
 * exact release) and the runtime globals (.symtab or machine code).
 */
#ifndef GOSCOPE_LAYOUTJSON_H
#define GOSCOPE_LAYOUTJSON_H

#include <jansson.h>

/* From an open executable; JSON null when it cannot be read or is not Go. */
json_t *gs_layout_json(int fd);

#endif
