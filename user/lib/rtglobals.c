/* SPDX-License-Identifier: MIT */
/* The runtime's globals: .symtab, else rules over decoded code (rtglobals.h). */
#include "rtglobals.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtglobals_int.h"

static const char *const names[GS_RTG_COUNT] = {
	"runtime.allglen", "runtime.allgptr", "runtime.allgs", "runtime.allp", "runtime.sched",
	"runtime.memstats", "runtime.gcController", "runtime.mheap_", "runtime.ncpu",
	"runtime.gomaxprocs",
};

const char *gs_rtg_name(enum gs_rtg g)
{
	return (unsigned)g < GS_RTG_COUNT ? names[g] : "?";
}

const char *gs_rtg_src_name(enum gs_rtg_src s)
{
	switch (s) {
	case GS_RTG_SRC_SYMTAB: return "symtab";
	case GS_RTG_SRC_CODE: return "code";
	default: return "none";
	}
}

void gs_rt_gcount_code(const struct gs_elf *e, const struct gs_pclntab *t,
		       struct gs_rtg_gcount *out)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.t = t;
	if (!t || (e->machine != EM_X86_64 && e->machine != EM_AARCH64) || !e->is64 || e->be) {
		snprintf(out->how, sizeof(out->how), "%s", !t ? "no pclntab" :
			 "runtime code is read on x86-64 and arm64 only");
		return;
	}
	rtg_rule_gcount(&c, out);
	rtg_ctx_free(&c);
}


/* ---- entry points ---- */

void gs_rt_globals_code(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.t = t;
	c.o = o;
	if (!t || (e->machine != EM_X86_64 && e->machine != EM_AARCH64) || !e->is64 || e->be) {
		for (int k = 0; k < GS_RTG_COUNT; k++)
			rtg_unknown(&out->g[k], "%s", !t ? "no pclntab: runtime code cannot be read"
						     : "runtime code is read on x86-64 and arm64 only");
		return;
	}
	rtg_rule_allg(&c, out);
	rtg_rule_allp(&c, out);
	rtg_rule_sched(&c, out);
	rtg_rule_memstats(&c, out);
	rtg_rule_gccontroller(&c, out);
	rtg_rule_mheap(&c, out);
	rtg_rule_ncpu(&c, out);
	rtg_rule_gomaxprocs(&c, out);
	rtg_ctx_free(&c);
}

void gs_rt_globals_find(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out)
{
	struct gs_sym_query q[GS_RTG_COUNT + 1];
	struct gs_rt_globals code;
	bool any = false, code_done = false;

	memset(out, 0, sizeof(*out));
	memset(q, 0, sizeof(q));
	for (int k = 0; k < GS_RTG_COUNT; k++)
		q[k].name = names[k];
	q[GS_RTG_COUNT].name = "runtime.numCPUStartup";	/* ncpu's name since Go 1.25 */
	if (gs_symtab_lookup(e, q, GS_RTG_COUNT + 1) == 0)
		for (int k = 0; k <= GS_RTG_COUNT; k++)
			any |= q[k].found;
	if (!q[GS_RTG_NCPU].found && q[GS_RTG_COUNT].found)
		q[GS_RTG_NCPU] = q[GS_RTG_COUNT];
	out->symtab = any;
	for (int k = 0; k < GS_RTG_COUNT; k++) {
		struct gs_rtg_addr *g = &out->g[k];

		if (any && q[k].found && q[k].value) {
			g->src = GS_RTG_SRC_SYMTAB;
			g->addr = q[k].value;
			g->size = q[k].size;
			g->confirmed = true;
			snprintf(g->how, sizeof(g->how), ".symtab");
			continue;
		}
		if (any && k == GS_RTG_ALLGPTR) {
			/* Only Go 1.17 and later have it. */
			rtg_unknown(g, "no runtime.allgptr in .symtab (before Go 1.17)");
			continue;
		}
		/* Missing from .symtab (or no .symtab): the code still says. */
		if (!code_done) {
			gs_rt_globals_code(e, t, o, &code);
			code_done = true;
		}
		*g = code.g[k];
	}
}

