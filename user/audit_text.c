/* SPDX-License-Identifier: MIT */
/*
 * audit for people (a padded table) and for spreadsheets (CSV, RFC 4180:
 * fields with a comma, quote, CR or LF are quoted, quotes doubled, records
 * end in CRLF).
 */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "versiontext.h"

#define PIDS_SHOWN 5

enum col {
	C_PATH, C_PIDS, C_GO, C_SUPPORT, C_POLICY, C_MODULE, C_MODVER, C_REV, C_TIME, C_CGO,
	C_PIE, C_TRIM, C_GOAMD64, C_GOEXP, C_STRIPPED, C_CONTAINER, C_VULNS, NCOLS
};

static const char *const heads[NCOLS] = {
	"PATH", "PIDS", "GO", "SUPPORT", "POLICY", "MODULE", "VERSION", "REVISION", "TIME", "CGO",
	"PIE", "TRIMPATH", "GOAMD64", "GOEXPERIMENT", "STRIPPED", "CONTAINER", "VULNS",
};

/* A growing string; on allocation failure it keeps what it has. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static char *sb_take(struct sbuf *b)
{
	return b->p ? b->p : strdup("");
}

static const char *yesno(bool v)
{
	return v ? "yes" : "no";
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

/* PIDs: "12,13" or, for many, the first few and "+N". */
static char *pids_cell(const struct audit_entry *e, size_t shown, const char *sep)
{
	struct sbuf b = { 0 };
	char num[32];

	for (size_t i = 0; i < e->nprocs && i < shown; i++) {
		snprintf(num, sizeof(num), "%s%d", i ? sep : "", e->procs[i]->pid);
		sb_puts(&b, num);
	}
	if (e->nprocs > shown) {
		snprintf(num, sizeof(num), "%s+%zu", sep, e->nprocs - shown);
		sb_puts(&b, num);
	}
	return sb_take(&b);
}

static char *join_cell(const char *const *v, size_t n, const char *sep, size_t cut)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_puts(&b, sep);
		sb_putn(&b, v[i], cut && strlen(v[i]) > cut ? cut : strlen(v[i]));
	}
	return sb_take(&b);
}

static char *cut_cell(const char *s, size_t cut)
{
	size_t n;
	char *p;

	if (!s || !*s)
		return strdup("-");
	n = strlen(s);
	if (n > cut)
		n = cut;
	p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *table_cell(const struct audit_run *r, const struct audit_entry *e, enum col c)
{
	const char *cids[16];
	size_t n;

	switch (c) {
	case C_PATH: {
		struct sbuf b = { 0 };

		sb_puts(&b, e->path);
		if (e->deleted)
			sb_puts(&b, " (deleted)");
		return sb_take(&b);
	}
	case C_PIDS:
		return e->nprocs ? pids_cell(e, PIDS_SHOWN, ",") : strdup("-");
	case C_GO:
		return strdup(gs_class_version(e->cls));
	case C_SUPPORT:
		return strdup(gs_support_str(e->support));
	case C_POLICY:
		return strdup(audit_policy_str(e->policy));
	case C_MODULE:
		return strdup(dash(e->module));
	case C_MODVER:
		return strdup(dash(e->module_version));
	case C_REV:
		return cut_cell(e->vcs_revision, 12);
	case C_TIME:
		return strdup(dash(e->vcs_time));
	case C_CGO:
		return strdup(yesno(e->cgo));
	case C_PIE:
		return strdup(yesno(e->pie));
	case C_TRIM:
		return strdup(yesno(e->trimpath));
	case C_GOAMD64:
		return strdup(dash(e->goamd64));
	case C_GOEXP:
		return strdup(dash(e->goexperiment));
	case C_STRIPPED:
		return strdup(yesno(e->stripped));
	case C_CONTAINER:
		n = audit_container_ids(e, cids, 16);
		return n ? join_cell(cids, n, ",", 12) : strdup("-");
	case C_VULNS:
		return e->vulns.n ? join_cell(e->vulns.ids, e->vulns.n, ",", 0) : strdup("-");
	default:
		(void)r;
		return strdup("");
	}
}

static bool col_shown(const struct audit_run *r, enum col c)
{
	if (c == C_POLICY)
		return r->have_min;
	if (c == C_VULNS)
		return r->osv != NULL;
	return true;
}

void audit_print_table(const struct audit_run *r)
{
	size_t width[NCOLS];
	char **cells = calloc(r->n * NCOLS + 1, sizeof(*cells));
	int last = NCOLS - 1;

	if (!cells)
		return;
	while (last > 0 && !col_shown(r, (enum col)last))
		last--;
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(heads[c]);
	for (size_t i = 0; i < r->n; i++) {
		for (int c = 0; c < NCOLS; c++) {
			char *s = NULL;

			if (col_shown(r, (enum col)c))
				s = table_cell(r, &r->e[i], (enum col)c);

			cells[i * NCOLS + c] = s;
			if (s && strlen(s) > width[c])
				width[c] = strlen(s);
		}
	}
	for (size_t i = 0; i <= r->n; i++) {
		for (int c = 0; c <= last; c++) {
			const char *s = i ? cells[(i - 1) * NCOLS + c] : heads[c];

			if (!col_shown(r, (enum col)c))
				continue;
			if (!s)
				s = "";
			gs_fputs_safe(s, stdout);
			if (c == last)
				break;
			for (size_t k = strlen(s); k < width[c] + 2; k++)
				putchar(' ');
		}
		putchar('\n');
	}
	for (size_t i = 0; i < r->n * NCOLS; i++)
		free(cells[i]);
	free(cells);
	fflush(stdout);
}

/* ---- CSV ---- */

static void csv_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static const char *tf(bool v)
{
	return v ? "true" : "false";
}

void audit_print_csv(const struct audit_run *r, FILE *f)
{
	static const char *const head[] = {
		"path", "deleted", "pids", "verdict", "go_version", "support", "policy", "module",
		"module_version", "vcs", "vcs_revision", "vcs_time", "vcs_modified", "cgo", "pie",
		"trimpath", "goamd64", "goexperiment", "stripped", "container_ids", "vulns",
	};

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		csv_field(f, head[i], i == 0);
	fputs("\r\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_entry *e = &r->e[i];
		const char *cids[64];
		size_t ncid = audit_container_ids(e, cids, 64);
		char *pids = pids_cell(e, e->nprocs, " ");
		char *cid = join_cell(cids, ncid, " ", 0);
		char *vulns = join_cell(e->vulns.ids, e->vulns.n, " ", 0);

		csv_field(f, e->path, true);
		csv_field(f, tf(e->deleted), false);
		csv_field(f, pids, false);
		csv_field(f, gs_verdict_str(e->cls->verdict), false);
		csv_field(f, e->version, false);
		csv_field(f, gs_support_str(e->support), false);
		csv_field(f, audit_policy_str(e->policy), false);
		csv_field(f, e->module, false);
		csv_field(f, e->module_version, false);
		csv_field(f, e->vcs, false);
		csv_field(f, e->vcs_revision, false);
		csv_field(f, e->vcs_time, false);
		csv_field(f, e->vcs_modified, false);
		csv_field(f, tf(e->cgo), false);
		csv_field(f, tf(e->pie), false);
		csv_field(f, tf(e->trimpath), false);
		csv_field(f, e->goamd64, false);
		csv_field(f, e->goexperiment, false);
		csv_field(f, tf(e->stripped), false);
		csv_field(f, cid, false);
		csv_field(f, vulns, false);
		fputs("\r\n", f);
		free(pids);
		free(cid);
		free(vulns);
	}
	fflush(f);
}
