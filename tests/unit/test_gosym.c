/* SPDX-License-Identifier: MIT */
/*
 * The symbolizer against the Go runtime itself: the symtest fixture, built
 * by every toolchain (plain, -trimpath, stripped), prints what
 * runtime.CallersFrames says for its own runtime.Callers PCs; gosym must
 * give the same functions, files, lines and entries, inlined frames
 * included, and compute the runtime's virtual PCs of outer inlined frames
 * itself. The arm64 builds are checked statically: against `go tool
 * addr2line` of the same toolchain, and against the amd64 run's inlined
 * frame sequences (same source, same compiler). Also the release corpus
 * (Go 1.16, 1.17, 1.19, 1.20, 1.27), name printing, and hostile tables.
 */
#include "symtest.h"

#include <inttypes.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Compare one runtime frame with ours; the name as that release prints it. */
static void frame_eq(const char *bin, unsigned minor, const struct st_stack *st, unsigned j,
		     const struct gs_symframe *f)
{
	const struct st_frame *rf = &st->frames[j];
	char buf[512];
	const char *name = gs_sym_print_name(f->func, minor, buf, sizeof(buf));

	if (strcmp(name, rf->func) || strcmp(f->file, rf->file) || f->line != rf->line ||
	    f->entry != rf->entry || f->pc != rf->pc)
		fail_msg("%s [%s] frame %u: runtime %s %s:%d entry %" PRIx64 " pc %" PRIx64
			 ", gosym %s %s:%d entry %" PRIx64 " pc %" PRIx64,
			 bin, st->label, j, rf->func, rf->file, rf->line, rf->entry, rf->pc, name,
			 f->file, f->line, f->entry, f->pc);
}

/*
 * Walk runtime.Callers' list as CallersFrames does: each physical return PC
 * is followed by one virtual PC per outer inlined frame. gosym expands the
 * first and must predict the others.
 */
static unsigned check_stack(struct gs_sym *s, const char *bin, unsigned minor,
			    const struct st_stack *st, unsigned *ninl)
{
	unsigned i = 0, j = 0;

	while (i < st->npcs) {
		struct gs_symframe f[GS_SYM_MAX_DEPTH];
		int n = gs_sym_frames_ret(s, st->pcs[i], f, GS_SYM_MAX_DEPTH);

		if (n <= 0)
			fail_msg("%s [%s]: no frames for pc %" PRIx64 " (%d)", bin, st->label, st->pcs[i], n);
		if (j + (unsigned)n > st->nframes)
			fail_msg("%s [%s]: gosym gives more frames than the runtime", bin, st->label);
		for (int k = 0; k < n; k++) {
			frame_eq(bin, minor, st, j + (unsigned)k, &f[k]);
			assert_int_equal(f[k].inlined, k < n - 1);
			if (k > 0) {
				if (i + (unsigned)k >= st->npcs || st->pcs[i + (unsigned)k] != f[k].pc + 1)
					fail_msg("%s [%s]: virtual pc of %s: runtime %" PRIx64 ", gosym %" PRIx64,
						 bin, st->label, f[k].func, st->pcs[i + (unsigned)k],
						 f[k].pc + 1);
			}
			if (f[k].inlined)
				(*ninl)++;
		}
		i += (unsigned)n;
		j += (unsigned)n;
	}
	if (j != st->nframes)
		fail_msg("%s [%s]: runtime has %u frames, gosym %u", bin, st->label, st->nframes, j);
	return j;
}

static const struct st_stack *find_stack(const struct st_run *r, const char *label)
{
	for (unsigned i = 0; i < r->n; i++)
		if (!strcmp(r->st[i].label, label))
			return &r->st[i];
	fail_msg("no stack labelled %s", label);
	return NULL;
}

static unsigned count_func(const struct st_stack *st, const char *func)
{
	unsigned n = 0;

	for (unsigned j = 0; j < st->nframes; j++)
		n += !strcmp(st->frames[j].func, func);
	return n;
}

/* What every run must contain, so the comparison covers each case. */
static void check_coverage(const char *bin, unsigned minor, const struct st_run *r)
{
	const struct st_stack *inl = find_stack(r, "inline");
	const struct st_stack *deep = find_stack(r, "deep");
	const struct st_stack *gor = find_stack(r, "goroutine");
	const char *gen = minor >= 18 ? "main.Gen[...]" : "main.Gen";

	if (count_func(inl, "main.inlC") != 1 || count_func(inl, "main.inlB") != 1 ||
	    count_func(inl, "main.inlA") != 1)
		fail_msg("%s: the inlined chain is not in the runtime's frames", bin);
	assert_true(count_func(find_stack(r, "closure"), "main.withClosure.func1") == 1);
	assert_true(count_func(find_stack(r, "method"), "main.(*T).Method") == 1);
	assert_true(count_func(find_stack(r, "generic"), gen) == 1);
	assert_true(count_func(deep, "main.deep") == 301);
	assert_string_equal(gor->frames[gor->nframes - 1].func, "runtime.goexit");
}

static void check_variant(unsigned minor, const char *variant, unsigned *total)
{
	const char *bin = st_path(minor, variant);
	struct st_run r;
	struct st_img im;
	unsigned ninl = 0;

	gs_require_fixture(bin + strlen(gs_fixture("")));
	st_run_frames(bin, &r);
	check_coverage(bin, minor, &r);
	st_open(&im, bin);
	for (unsigned i = 0; i < r.n; i++)
		*total += check_stack(im.s, bin, minor, &r.st[i], &ninl);
	if (ninl < 3)
		fail_msg("%s: only %u inlined frames compared", bin, ninl);
	st_close(&im);
	st_free(&r);
}

static void test_frames_every_toolchain(void **state)
{
	static const char *const variants[] = { "amd64", "amd64.trimpath", "amd64.stripped" };
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS), total = 0;

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	gs_require(n >= 9 || !gs_under_ci(), "symtest builds of all nine toolchains");
	for (unsigned i = 0; i < n; i++)
		for (unsigned v = 0; v < ARRAY_SIZE(variants); v++)
			check_variant(minors[i], variants[v], &total);
	fprintf(stderr, "# %u toolchains x %zu variants, %u frames matched\n", n, ARRAY_SIZE(variants),
		total);
}

/* ---- arm64, statically ---- */

/*
 * Every physical function of the amd64 run that is the fixture's own, with
 * its inlined frames, must be produced by some pc of the same function in
 * the arm64 build: same functions, files and lines in the same order.
 */
static void check_arm64_sequences(unsigned minor, const char *variant, const struct st_run *r)
{
	const char *bin = st_path(minor, variant);
	struct st_img im, ref;
	unsigned groups = 0;

	st_open(&im, bin);
	st_open(&ref, st_path(minor, "amd64"));
	for (unsigned si = 0; si < r->n; si++) {
		const struct st_stack *st = &r->st[si];
		unsigned j = 0;

		while (j < st->nframes) {
			unsigned k = j, len;
			struct gs_funcinfo fi;
			bool found = false;
			uint64_t idx;

			/* A group ends at a frame whose entry (amd64) is its own function's. */
			while (k < st->nframes && k - j < GS_SYM_MAX_DEPTH) {
				struct gs_funcinfo pf;

				char b[512];

				if (gs_sym_func(ref.s, st->frames[k].entry, &pf) == 0 &&
				    !strcmp(gs_sym_print_name(pf.name, minor, b, sizeof(b)),
					    st->frames[k].func))
					break;
				k++;
			}
			len = k - j + 1;
			if (k >= st->nframes || strncmp(st->frames[k].func, "main.", 5) ||
			    strstr(st->frames[k].func, "[")) {
				j = k + 1;
				continue;
			}
			/* The same function in the arm64 build, by name. */
			for (idx = 0; idx < 100000 && gs_sym_func_at(im.s, idx, &fi) == 0; idx++)
				if (!strcmp(fi.name, st->frames[k].func))
					break;
			if (strcmp(fi.name, st->frames[k].func))
				fail_msg("%s: no %s", bin, st->frames[k].func);
			for (uint64_t pc = fi.entry; pc < fi.end && !found; pc += 4) {
				struct gs_symframe f[GS_SYM_MAX_DEPTH];
				int n = gs_sym_frames(im.s, pc, f, GS_SYM_MAX_DEPTH);
				unsigned m;

				if (n != (int)len)
					continue;
				for (m = 0; m < len; m++) {
					const struct st_frame *rf = &st->frames[j + m];
					char b[512];

					if (strcmp(gs_sym_print_name(f[m].func, minor, b, sizeof(b)), rf->func) || strcmp(f[m].file, rf->file) ||
					    f[m].line != rf->line)
						break;
				}
				found = m == len;
			}
			if (!found)
				fail_msg("%s [%s]: no pc of %s gives the amd64 run's %u frames from %s:%d",
					 bin, st->label, fi.name, len, st->frames[j].func, st->frames[j].line);
			groups++;
			j = k + 1;
		}
	}
	assert_true(groups >= 10);
	st_close(&ref);
	st_close(&im);
}

/*
 * `go tool addr2line` (debug/gosym: the physical function, the innermost
 * file:line) for pcs of the fixture's functions, against gosym.
 */
static void check_arm64_addr2line(unsigned minor, const char *variant)
{
	const char *bin = st_path(minor, variant);
	char tmp[] = "/tmp/goscope-a2l-XXXXXX", cmd[3 * PATH_MAX], line1[1024], line2[1024];
	uint64_t pcs[4096];
	unsigned npc = 0, checked = 0;
	struct st_img im;
	FILE *f, *out;
	int fd;

	st_open(&im, bin);
	for (uint64_t i = 0;; i++) {
		struct gs_funcinfo fi;

		if (gs_sym_func_at(im.s, i, &fi) < 0)
			break;
		if (strncmp(fi.name, "main.", 5))
			continue;
		for (uint64_t pc = fi.entry; pc < fi.end && npc < ARRAY_SIZE(pcs); pc += 8)
			pcs[npc++] = pc;
	}
	assert_true(npc > 100);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	for (unsigned i = 0; i < npc; i++)
		fprintf(f, "0x%" PRIx64 "\n", pcs[i]);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "GOROOT=/var/cache/goscope/go/1.%u/goroot /var/cache/goscope/go/1.%u/goroot/bin/go "
		 "tool addr2line '%s' < %s",
		 minor, minor, bin, tmp);
	out = popen(cmd, "r");
	assert_non_null(out);
	for (unsigned i = 0; i < npc; i++) {
		struct gs_symframe fr[GS_SYM_MAX_DEPTH];
		char want[1100];
		int n;

		if (!fgets(line1, sizeof(line1), out) || !fgets(line2, sizeof(line2), out))
			fail_msg("%s: addr2line stopped after %u of %u pcs", bin, i, npc);
		line1[strcspn(line1, "\n")] = 0;
		line2[strcspn(line2, "\n")] = 0;
		n = gs_sym_frames(im.s, pcs[i], fr, GS_SYM_MAX_DEPTH);
		assert_true(n > 0);
		snprintf(want, sizeof(want), "%s:%d", fr[0].file, fr[0].line);
		if (strcmp(line1, fr[n - 1].func) || (fr[0].line && strcmp(line2, want)))
			fail_msg("%s pc %" PRIx64 ": addr2line %s %s, gosym %s %s", bin, pcs[i], line1,
				 line2, fr[n - 1].func, want);
		checked += fr[0].line != 0;
	}
	pclose(out);
	unlink(tmp);
	assert_true(checked > npc / 2);
	st_close(&im);
}

static void test_arm64_static(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned i = 0; i < n; i++) {
		struct st_run r;

		gs_require_fixture(st_path(minors[i], "arm64") + strlen(gs_fixture("")));
		st_run_frames(st_path(minors[i], "amd64"), &r);
		check_arm64_sequences(minors[i], "arm64", &r);
		check_arm64_sequences(minors[i], "arm64.stripped", &r);
		check_arm64_addr2line(minors[i], "arm64");
		st_free(&r);
	}
}

/* ---- release corpus: the 1.16 and 1.17 tables only exist there ---- */

static void check_corpus(const char *name, enum gs_pcln_ver ver, bool flags)
{
	struct st_img im;
	struct gs_sym_info in;
	uint64_t known = 0, inl = 0;

	st_open(&im, gs_require_corpus(name));
	gs_sym_get_info(im.s, &in);
	assert_int_equal(in.ver, ver);
	assert_true(in.inline_ok);
	assert_int_equal(in.flags_valid, flags);
	assert_true(in.wrapper_funcid > 0);
	for (uint64_t i = 0; i < in.nfunc; i++) {
		struct gs_symframe f[GS_SYM_MAX_DEPTH];
		struct gs_funcinfo fi;
		int32_t sp;
		int n;

		assert_int_equal(gs_sym_func_at(im.s, i, &fi), 0);
		if (fi.end == fi.entry)
			continue;
		/* A function's own entry is found, with SP not yet moved. */
		n = gs_sym_frames(im.s, fi.entry, f, GS_SYM_MAX_DEPTH);
		assert_true(n >= 1);
		assert_string_equal(f[n - 1].func, fi.name);
		if (fi.pcsp) {
			assert_true(gs_sym_spdelta(im.s, &fi, fi.entry, &sp));
			assert_int_equal(sp, 0);
		}
		known += f[0].line > 0 && strcmp(f[0].file, "?");
		/* Inlined frames mid-function name real, printable functions. */
		n = gs_sym_frames(im.s, fi.entry + (fi.end - fi.entry) / 2, f, GS_SYM_MAX_DEPTH);
		for (int k = 0; k < n - 1; k++) {
			assert_true(f[k].inlined && f[k].func[0] >= 0x21);
			inl++;
		}
	}
	/* Assembly stubs aside, every function knows its file and line. */
	if (known < in.nfunc * 95 / 100)
		fail_msg("%s: only %" PRIu64 " of %" PRIu64 " entries have file:line", name, known,
			 in.nfunc);
	assert_true(inl > 100);
	st_close(&im);
}

static void test_corpus(void **state)
{
	(void)state;
	check_corpus("esbuild-0.8.57/esbuild", GS_PCLN_116, false);	/* go1.16 */
	check_corpus("esbuild-0.13.15/esbuild", GS_PCLN_116, true);	/* go1.17 */
	check_corpus("esbuild-0.15.18/esbuild", GS_PCLN_118, true);	/* go1.19 */
	check_corpus("esbuild-0.19.12/esbuild", GS_PCLN_120, true);	/* go1.20 */
	check_corpus("buf-1.75.0/buf", GS_PCLN_120, true);		/* go1.27 */
}

/* ---- special functions ---- */

static void test_kinds(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);
	static const struct {
		const char *name;
		enum gs_fkind kind;
	} want[] = {
		{ "runtime.goexit", GS_FK_GOEXIT },	 { "runtime.mstart", GS_FK_MSTART },
		{ "runtime.rt0_go", GS_FK_RT0_GO },	 { "runtime.systemstack", GS_FK_SYSTEMSTACK },
		{ "runtime.asyncPreempt", GS_FK_ASYNCPREEMPT }, { "runtime.sigpanic", GS_FK_SIGPANIC },
		{ "runtime.morestack", GS_FK_MORESTACK }, { "runtime.mcall", GS_FK_MCALL },
		{ "runtime.main", GS_FK_RUNTIME_MAIN },	 { "main.deep", GS_FK_NORMAL },
	};

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned i = 0; i < n; i++) {
		struct st_img im;
		struct gs_sym_info in;
		unsigned seen[ARRAY_SIZE(want)] = { 0 }, wrappers = 0;

		st_open(&im, st_path(minors[i], "amd64.stripped"));
		gs_sym_get_info(im.s, &in);
		assert_int_equal(in.flags_valid, minors[i] >= 17);
		assert_true(in.wrapper_funcid > 0);
		for (uint64_t k = 0; k < in.nfunc; k++) {
			struct gs_funcinfo fi;

			assert_int_equal(gs_sym_func_at(im.s, k, &fi), 0);
			wrappers += fi.kind == GS_FK_WRAPPER;
			for (unsigned w = 0; w < ARRAY_SIZE(want); w++) {
				if (strcmp(fi.name, want[w].name) || fi.kind == GS_FK_WRAPPER)
					continue;
				seen[w]++;
				if (fi.kind != want[w].kind)
					fail_msg("go1.%u %s: kind %s", minors[i], fi.name, gs_fkind_name(fi.kind));
				if (want[w].kind == GS_FK_GOEXIT && in.flags_valid)
					assert_true(fi.flag & GS_FUNCFLAG_TOPFRAME);
			}
		}
		for (unsigned w = 0; w < ARRAY_SIZE(want); w++)
			if (!seen[w])
				fail_msg("go1.%u: no %s", minors[i], want[w].name);
		assert_true(wrappers > 0);
		st_close(&im);
	}
}

static void test_print_name(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(gs_sym_print_name("main.F", 27, buf, sizeof(buf)), "main.F");
	assert_string_equal(gs_sym_print_name("main.G[go.shape.int]", 21, buf, sizeof(buf)),
			    "main.G[...]");
	assert_string_equal(gs_sym_print_name("main.G[go.shape.int]", 19, buf, sizeof(buf)),
			    "main.G[go.shape.int]");
	assert_string_equal(gs_sym_print_name("main.G[go.shape.int].func1", 24, buf, sizeof(buf)),
			    "main.G[...].func1");
	assert_string_equal(
		gs_sym_print_name("main.T[go.shape.int].M[go.shape.string]", 26, buf, sizeof(buf)),
		"main.T[...]");
	assert_string_equal(
		gs_sym_print_name("main.T[go.shape.int].M[go.shape.string]", 27, buf, sizeof(buf)),
		"main.T[...].M[...]");
	assert_string_equal(gs_sym_print_name("main.X[[]int]", 27, buf, sizeof(buf)), "main.X[...]");
	assert_string_equal(gs_sym_print_name("bad]x[", 27, buf, sizeof(buf)), "bad]x[");
	assert_string_equal(gs_sym_print_name("a.b[x]]y[z]", 27, buf, sizeof(buf)), "a.b[x]]y[z]");
	/* Too small a buffer: the raw name, never a cut one. */
	assert_string_equal(gs_sym_print_name("main.G[go.shape.int]", 21, buf, 4), "main.G[go.shape.int]");
}

/* ---- hostile tables ---- */

/*
 * Copies of a real binary with bytes of the pclntab region flipped: every
 * lookup of every pc must return without reading out of bounds (ASan) or
 * looping, whatever it answers.
 */
static void test_hostile_tables(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);
	unsigned seed = 12345, opened = 0;

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned i = 0; i < n; i++) {
		struct st_img ref;
		struct gs_sym_info in;
		struct gs_pclntab t;
		size_t off, len;

		st_open(&ref, st_path(minors[i], "amd64.stripped"));
		gs_sym_get_info(ref.s, &in);
		assert_int_equal(gs_pcln_find(&ref.e, &t), 0);
		off = (size_t)(t.data - (const uint8_t *)ref.map);
		len = t.len < ref.size - off ? t.len : ref.size - off;
		for (unsigned round = 0; round < 6; round++) {
			uint8_t *b = malloc(ref.size);
			struct gs_elf e;
			struct gs_sym *s;
			struct gs_err err;
			const char *why;

			assert_non_null(b);
			memcpy(b, ref.map, ref.size);
			for (unsigned k = 0; k < 64u << round; k++) {
				seed = seed * 1103515245u + 12345u;
				b[off + (seed >> 4) % len] ^= (uint8_t)(1u << (seed & 7));
			}
			assert_int_equal(gs_elf_parse(&e, b, ref.size, &why), 0);
			if (gs_sym_open(&s, &e, &err) == 0) {
				opened++;
				for (uint64_t pc = in.minpc; pc < in.maxpc; pc += 7) {
					struct gs_symframe f[GS_SYM_MAX_DEPTH];
					struct gs_funcinfo fi;
					int32_t v;

					assert_true(gs_sym_frames(s, pc, f, GS_SYM_MAX_DEPTH) <= GS_SYM_MAX_DEPTH);
					if (gs_sym_func(s, pc, &fi) == 0)
						gs_sym_spdelta(s, &fi, pc, &v);
				}
				gs_sym_close(s);
			}
			free(b);
		}
		st_close(&ref);
	}
	assert_true(opened > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_every_toolchain),
		cmocka_unit_test(test_arm64_static),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_print_name),
		cmocka_unit_test(test_hostile_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
