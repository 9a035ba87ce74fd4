// SPDX-License-Identifier: MIT
/*
 * The runtime-layout sources of one binary as JSON (layoutjson.h). The
 * reading is liveread's own (gs_rt_layout_load), so what this prints is
 * what `stats --agentless` and `memstats` will use, not a second opinion.
 */
#include <stdlib.h>

#include "layoutjson.h"
#include "lib/liveread.h"
#include "output.h"

/* "symtab" when every global found came from .symtab, "code" when any came from code. */
static json_t *globals_json(const struct gs_rt_globals *g, json_t **missing)
{
	bool any = false, code = false;

	*missing = json_array();
	for (int i = 0; i < GS_RTG_COUNT; i++) {
		const struct gs_rtg_addr *a = &g->g[i];

		if (a->src == GS_RTG_SRC_NONE) {
			json_t *m = json_object();

			json_object_set_new(m, "global", json_string(gs_rtg_name((enum gs_rtg)i)));
			json_object_set_new(m, "why", gs_json_str(a->how));
			json_array_append_new(*missing, m);
			continue;
		}
		any = true;
		code |= a->src == GS_RTG_SRC_CODE;
	}
	if (!any)
		return json_null();
	return json_string(code ? "code" : "symtab");
}

json_t *gs_layout_json(int fd)
{
	struct gs_rt_layout *lay = malloc(sizeof(*lay));
	struct gs_err err = { 0 };
	json_t *o, *missing;

	if (!lay)
		return json_null();
	if (gs_rt_layout_load(fd, lay, &err) < 0) {
		free(lay);
		return json_null();
	}
	o = json_object();
	if (lay->layout) {
		json_object_set_new(o, "offsets", json_string(gs_rt_source_name(lay->off.src)));
		json_object_set_new(o, "table_row", lay->off.src == GS_RT_SRC_TABLE && lay->off.row ?
							    json_string(lay->off.row) : json_null());
		json_object_set_new(o, "offsets_why", json_null());
	} else {
		json_object_set_new(o, "offsets", json_null());
		json_object_set_new(o, "table_row", json_null());
		json_object_set_new(o, "offsets_why", gs_json_str(lay->layout_why));
	}
	json_object_set_new(o, "dwarf_unused",
			    (lay->layout && lay->off.src == GS_RT_SRC_DWARF) || !lay->off.dwarf_why[0] ?
				    json_null() : gs_json_str(lay->off.dwarf_why));
	json_object_set_new(o, "globals", globals_json(&lay->glob, &missing));
	json_object_set_new(o, "globals_missing", missing);
	free(lay);
	return o;
}
