/* SPDX-License-Identifier: MIT */
/* Uprobe placement on Go functions; see probepoint.h. */
#include "probepoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mapguard.h"
#include "x86scan.h"

static void place(const struct gs_elf *e, const struct gs_pclntab *t, struct gs_probe_point *p)
{
	struct gs_x86_prologue pr;
	struct gs_err e2;

	if (gs_pcln_lookup(e, t, p->func, &p->f) < 0) {
		snprintf(p->why, sizeof(p->why), "%s not in pclntab", p->func);
		return;
	}
	if (gs_x86_prologue(e, t, &p->f, &pr, &e2) < 0) {
		/* Degrade to the entry, and say what that costs in accuracy. */
		snprintf(p->why, sizeof(p->why),
			 "%s probed at its entry (%.40s): a call that grows its stack "
			 "on the way in counts twice", p->func, e2.msg);
		pr.branch = 0;
		pr.body = p->f.entry;
	}
	p->branch = pr.branch;
	p->body = pr.body;
	p->at = pr.branch ? pr.branch : pr.body;
	if (!gs_elf_vaddr_to_off(e, p->at, &p->off)) {
		snprintf(p->why, sizeof(p->why), "%s: code outside the file", p->func);
		return;
	}
	p->found = true;
}

/* Every output cleared, so a failure part-way leaves nothing stale. */
static void reset(struct gs_probe_point *pts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *func = pts[i].func;

		memset(&pts[i], 0, sizeof(pts[i]));
		pts[i].func = func;
	}
}

int gs_probe_points(const struct gs_elf *e, struct gs_probe_point *pts, unsigned n,
		    struct gs_err *err)
{
	struct gs_moduledata md;
	struct gs_pclntab t;

	reset(pts, n);
	if (gs_pcln_find(e, &t) < 0)
		return gs_errf(err, ENOENT, "no pclntab");
	/* 1.26+ headers leave the text base to moduledata. */
	if (!t.text_known)
		gs_moduledata_find(e, &t, &md);
	for (unsigned i = 0; i < n; i++)
		place(e, &t, &pts[i]);
	return 0;
}

struct job {
	struct gs_probe_point *pts;
	unsigned n;
};

static int run(const struct gs_elf *e, void *ctx, struct gs_err *err)
{
	struct job *j = ctx;

	return gs_probe_points(e, j->pts, j->n, err);
}

int gs_probe_points_fd(int fd, struct gs_probe_point *pts, unsigned n, struct gs_err *err)
{
	struct job j = { pts, n };

	reset(pts, n);
	return gs_elf_guarded(fd, run, &j, err);
}
