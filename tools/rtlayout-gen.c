/* SPDX-License-Identifier: MIT */
/*
 * rtlayout-gen: the runtime-layout table from real toolchains' DWARF
 * (run by tools/gen-rtlayout.sh, which builds the programs it reads).
 *
 *   rtlayout-gen dump BINARY      every field and constant DWARF gives
 *   rtlayout-gen emit MANIFEST    user/lib/rtlayout_table.c on stdout
 *
 * MANIFEST lines: VERSION GOARCH BINARY WAITFILE, where WAITFILE holds the
 * toolchain source's waitReasonStrings as "waitReasonX<TAB>name" lines.
 * emit fails when the streamed DWARF read disagrees with a whole read,
 * when the source's wait-reason names differ from the binary's own, or
 * when one release line's GOARCHes disagree on constants or names.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"
#include "elfview.h"
#include "rtlayout_int.h"
#include "rtoffsets.h"

#define MAX_ROWS 64
#define MAX_WAIT 256

struct row {
	char version[64], line[64], arch[32];
	uint16_t machine;
	struct gs_rt_offsets o;
	char wait[MAX_WAIT][GS_RT_WAITNAME];
	unsigned nwait;
	const char *cells_name, *consts_name, *wait_name;
	char cname[160], kname[160], wname[160];
};

static struct row rows[MAX_ROWS];
static unsigned nrows;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rtlayout-gen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) < 0)
		die("%s: cannot size", path);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("%s: cannot read", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void open_elf(const char *path, uint8_t **buf, struct gs_elf *e)
{
	const char *why;
	size_t len;

	*buf = slurp(path, &len);
	if (gs_elf_parse(e, *buf, len, &why) < 0)
		die("%s: %s", path, why);
}

static int dump(const char *path)
{
	struct gs_rt_offsets o;
	struct gs_err err;
	struct gs_elf e;
	uint8_t *buf;

	open_elf(path, &buf, &e);
	if (gs_rt_offsets_dwarf(&e, &o, &err) < 0)
		die("%s: %s", path, err.msg);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		const struct gs_rt_loc *l = &o.f[f];

		if (l->known)
			printf("%-34s %-24s off %5u size %5u count %u\n", gs_rt_field_id(f),
			       gs_rt_field_name(f), l->off, l->size, l->count);
		else
			printf("%-34s %-24s unknown\n", gs_rt_field_id(f), gs_rt_field_name(f));
	}
	for (int c = 0; c < GS_RT_NCONSTS; c++) {
		if (o.c[c].known)
			printf("%-34s %-24s = %lld\n", gs_rt_const_id(c), gs_rt_const_name(c),
			       (long long)o.c[c].v);
		else
			printf("%-34s %-24s unknown\n", gs_rt_const_id(c), gs_rt_const_name(c));
	}
	free(buf);
	return 0;
}

/* ---- wait reasons: the source's names, placed by DWARF's values ---- */

struct wctx {
	struct gs_dwarf *d;
	char (*names)[GS_RT_WAITNAME];
	unsigned n;
	const char *want;	/* "runtime.waitReasonX" */
	int64_t v;
	bool found;
};

static int find_const(const char *name, uint64_t tag, uint64_t die_off, void *ctx)
{
	struct wctx *w = ctx;

	if (tag != GS_DW_TAG_constant || strcmp(name, w->want) != 0)
		return 0;
	w->found = gs_dwarf_const(w->d, die_off, &w->v) == 0;
	return 1;
}

static void wait_from_source(struct row *r, const struct gs_elf *e, const char *waitfile,
			     const char *bin)
{
	static const char *const units[] = { "runtime", NULL };
	struct gs_dwarf_opts opts = { .units = units };
	char line[512], want[600];
	struct gs_err err;
	struct wctx w;
	FILE *f;

	if (gs_dwarf_open(e, &opts, &w.d, &err) < 0)
		die("%s: %s", bin, err.msg);
	f = fopen(waitfile, "r");
	if (!f)
		die("%s: %s", waitfile, strerror(errno));
	r->nwait = 0;
	memset(r->wait, 0, sizeof(r->wait));
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (!tab)
			die("%s: no tab in a line", waitfile);
		*tab = '\0';
		snprintf(want, sizeof(want), "runtime.%s", line);
		w.want = want;
		w.found = false;
		gs_dwarf_each(w.d, find_const, &w);
		if (!w.found || w.v < 0 || w.v >= MAX_WAIT)
			die("%s: no DWARF constant %s", bin, want);
		if (strlen(tab + 1) >= GS_RT_WAITNAME)
			die("%s: name too long: %s", waitfile, tab + 1);
		snprintf(r->wait[w.v], GS_RT_WAITNAME, "%s", tab + 1);
		if ((unsigned)w.v + 1 > r->nwait)
			r->nwait = (unsigned)w.v + 1;
	}
	fclose(f);
	gs_dwarf_close(w.d);
}

static void check_wait_image(const struct row *r, const struct gs_elf *e, const char *bin)
{
	static char img[MAX_WAIT][GS_RT_WAITNAME];
	struct gs_err err;
	unsigned n;

	if (gs_rt_waitreasons_image(e, img, MAX_WAIT, &n, &err) < 0)
		die("%s: %s", bin, err.msg);
	if (n != r->nwait)
		die("%s: the binary's waitReasonStrings differ in length from the source's", bin);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(img[i], r->wait[i]) != 0)
			die("%s: wait reason differs from the source: %s", bin, img[i]);
}

/* ---- rows ---- */

static bool same_offsets(const struct gs_rt_offsets *a, const struct gs_rt_offsets *b)
{
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		const struct gs_rt_loc *x = &a->f[f], *y = &b->f[f];

		if (x->known != y->known || (x->known && (x->off != y->off || x->size != y->size ||
							  x->count != y->count)))
			return false;
	}
	for (int c = 0; c < GS_RT_NCONSTS; c++)
		if (a->c[c].known != b->c[c].known || a->c[c].v != b->c[c].v)
			return false;
	return true;
}

static bool same_consts(const struct row *a, const struct row *b)
{
	for (int c = 0; c < GS_RT_NCONSTS; c++)
		if (a->o.c[c].known != b->o.c[c].known || a->o.c[c].v != b->o.c[c].v)
			return false;
	return true;
}

static bool same_cells(const struct row *a, const struct row *b)
{
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		const struct gs_rt_loc *x = &a->o.f[f], *y = &b->o.f[f];

		if (x->known != y->known || (x->known && (x->off != y->off || x->size != y->size ||
							  x->count != y->count ||
							  gs_rt_alt_index(f, x->global) !=
							  gs_rt_alt_index(f, y->global))))
			return false;
	}
	return true;
}

static bool same_wait(const struct row *a, const struct row *b)
{
	if (a->nwait != b->nwait)
		return false;
	for (unsigned i = 0; i < a->nwait; i++)
		if (strcmp(a->wait[i], b->wait[i]) != 0)
			return false;
	return true;
}

static void read_row(struct row *r, const char *bin, const char *waitfile)
{
	struct gs_rt_offsets full;
	struct gs_err err;
	struct gs_elf e;
	uint8_t *buf;
	char *dot;

	open_elf(bin, &buf, &e);
	if (e.machine != r->machine)
		die("%s: not built for %s", bin, r->arch);
	if (gs_rt_offsets_dwarf(&e, &r->o, &err) < 0)
		die("%s: %s", bin, err.msg);
	if (gs_rt_offsets_dwarf_full(&e, &full, &err) < 0)
		die("%s: %s", bin, err.msg);
	if (!same_offsets(&r->o, &full))
		die("%s: the streamed DWARF read differs from a whole read", bin);
	wait_from_source(r, &e, waitfile, bin);
	check_wait_image(r, &e, bin);
	memcpy(r->line, r->version, sizeof(r->line));
	dot = strchr(r->line + 4, '.');		/* "go1.21.13" -> "go1.21" */
	if (dot)
		*dot = '\0';
	free(buf);
}

static void cident(char *out, size_t n, const char *prefix, const char *line, const char *arch)
{
	snprintf(out, n, "%s_%s%s%s", prefix, line, arch ? "_" : "", arch ? arch : "");
	for (char *p = out; *p; p++)
		if (*p == '.')
			*p = '_';
}

static void emit_cells(const struct row *r)
{
	printf("static const struct gs_rt_cell %s[GS_RT_NFIELDS] = {\n", r->cells_name);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		const struct gs_rt_loc *l = &r->o.f[f];

		if (l->known)
			printf("\t[%s] = { %u, %u, %u, %d },\n", gs_rt_field_id(f), l->off, l->size,
			       l->count, gs_rt_alt_index(f, l->global));
	}
	printf("};\n\n");
}

static void emit_consts(const struct row *r)
{
	printf("static const struct gs_rt_cval %s[GS_RT_NCONSTS] = {\n", r->consts_name);
	for (int c = 0; c < GS_RT_NCONSTS; c++)
		if (r->o.c[c].known)
			printf("\t[%s] = { true, %lld },\n", gs_rt_const_id(c),
			       (long long)r->o.c[c].v);
	printf("};\n\n");
}

static void emit_wait(const struct row *r)
{
	printf("static const char *const %s[] = {\n", r->wait_name);
	for (unsigned i = 0; i < r->nwait; i++)
		printf("\t\"%s\",\n", r->wait[i]);
	printf("};\n\n");
}

static int emit(const char *manifest)
{
	char version[64], arch[32], bin[4096], waitfile[4096];
	FILE *f = fopen(manifest, "r");

	if (!f)
		die("%s: %s", manifest, strerror(errno));
	while (fscanf(f, "%63s %31s %4095s %4095s", version, arch, bin, waitfile) == 4) {
		struct row *r;

		if (nrows == MAX_ROWS)
			die("too many rows");
		r = &rows[nrows++];
		snprintf(r->version, sizeof(r->version), "%s", version);
		snprintf(r->arch, sizeof(r->arch), "%s", arch);
		if (strcmp(arch, "amd64") == 0)
			r->machine = EM_X86_64;
		else if (strcmp(arch, "arm64") == 0)
			r->machine = EM_AARCH64;
		else
			die("unknown GOARCH %s", arch);
		read_row(r, bin, waitfile);
	}
	fclose(f);
	if (!nrows)
		die("%s: no rows", manifest);

	/* One array for what a line's GOARCHes share. */
	for (unsigned i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		const struct row *first = NULL;
		bool shared_cells = true;

		for (unsigned k = 0; k < nrows; k++)
			if (strcmp(rows[k].line, r->line) == 0) {
				if (!first)
					first = &rows[k];
				if (!same_consts(&rows[k], first))
					die("%s: constants differ between GOARCHes", r->line);
				if (!same_wait(&rows[k], first))
					die("%s: wait reasons differ between GOARCHes", r->line);
				if (!same_cells(&rows[k], first))
					shared_cells = false;
			}
		cident(r->cname, sizeof(r->cname), "layout", r->line, shared_cells ? NULL : r->arch);
		cident(r->kname, sizeof(r->kname), "consts", r->line, NULL);
		cident(r->wname, sizeof(r->wname), "wait", r->line, NULL);
		r->cells_name = r->cname;
		r->consts_name = r->kname;
		r->wait_name = r->wname;
	}

	printf("/* SPDX-License-Identifier: MIT */\n");
	printf("/*\n * GENERATED by tools/gen-rtlayout.sh: do not edit. Regenerate it and commit.\n");
	printf(" *\n * Runtime layouts (rtlayout_int.h) read from the DWARF of a small program\n");
	printf(" * built with each of these toolchains, for amd64 and arm64:\n *");
	for (unsigned i = 0; i < nrows; i++)
		if (i == 0 || strcmp(rows[i].version, rows[i - 1].version) != 0)
			printf(" %s", rows[i].version);
	printf("\n * Each row holds for every patch of its release line; only the patch\n");
	printf(" * named was read (docs/runtime-layouts.md).\n */\n");
	printf("#include \"rtlayout_int.h\"\n\n");
	for (unsigned i = 0; i < nrows; i++) {
		bool seen_c = false, seen_k = false, seen_w = false;

		for (unsigned k = 0; k < i; k++) {
			seen_c |= strcmp(rows[k].cells_name, rows[i].cells_name) == 0;
			seen_k |= strcmp(rows[k].consts_name, rows[i].consts_name) == 0;
			seen_w |= strcmp(rows[k].wait_name, rows[i].wait_name) == 0;
		}
		if (!seen_w)
			emit_wait(&rows[i]);
		if (!seen_k)
			emit_consts(&rows[i]);
		if (!seen_c)
			emit_cells(&rows[i]);
	}
	printf("const struct gs_rt_row gs_rt_rows[] = {\n");
	for (unsigned i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		printf("\t{ \"%s\", 0, UINT16_MAX, %s, \"%s\", %s, %s, %s, %u },\n", r->line,
		       r->machine == EM_X86_64 ? "EM_X86_64" : "EM_AARCH64", r->version,
		       r->cells_name, r->consts_name, r->wait_name, r->nwait);
	}
	printf("};\n\nconst size_t gs_rt_nrows = sizeof(gs_rt_rows) / sizeof(gs_rt_rows[0]);\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return dump(argv[2]);
	if (argc == 3 && strcmp(argv[1], "emit") == 0)
		return emit(argv[2]);
	fprintf(stderr, "usage: rtlayout-gen dump BINARY | emit MANIFEST\n");
	return 2;
}
