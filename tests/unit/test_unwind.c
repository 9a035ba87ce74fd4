/* SPDX-License-Identifier: MIT */
/*
 * The unwinder: live against the runtime's own dump (a goroutine locked to
 * its thread, blocked in read(2); PTRACE_SEIZE + PTRACE_INTERRUPT, never
 * SIGSTOP), on synthetic stacks built from real amd64 and arm64 binaries'
 * pcsp tables, and on hostile memory. Also the batched memory reader.
 */
#include "symtest.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "memread.h"
#include "unwind.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXF 2048

/* ---- live ---- */

struct dump_frame {
	char func[256], file[512];
	int line;
	long off;			/* -1: inlined, no offset printed */
};

/* The frames of the goroutine whose dump mentions want, from runtime.Stack text. */
static unsigned parse_dump(const char *dump, const char *want, struct dump_frame *df, unsigned max)
{
	const char *g = dump;
	unsigned n = 0;

	while ((g = strstr(g, "goroutine ")) != NULL) {
		const char *end = strstr(g + 1, "\ngoroutine ");
		size_t glen = end ? (size_t)(end - g) : strlen(g);
		char *copy, *line, *save = NULL;

		if (!memmem(g, glen, want, strlen(want))) {
			g += glen;
			continue;
		}
		copy = strndup(g, glen);
		assert_non_null(copy);
		line = strtok_r(copy, "\n", &save);	/* the goroutine header */
		while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
			char *paren, *colon, *plus;

			if (!strncmp(line, "created by ", 11) || !*line)
				break;
			paren = strrchr(line, '(');
			assert_non_null(paren);
			*paren = 0;
			snprintf(df[n].func, sizeof(df[n].func), "%s", line);
			line = strtok_r(NULL, "\n", &save);
			assert_non_null(line);
			assert_true(line[0] == '\t');
			plus = strstr(line, " +0x");
			df[n].off = plus ? strtol(plus + 2, NULL, 16) : -1;
			if (plus)
				*plus = 0;
			colon = strrchr(line, ':');
			assert_non_null(colon);
			*colon = 0;
			df[n].line = atoi(colon + 1);
			snprintf(df[n].file, sizeof(df[n].file), "%s", line + 1);
			n++;
		}
		free(copy);
		break;
	}
	return n;
}

/* The mapping of pid holding addr, as [lo, hi). */
static bool mapping_of(pid_t pid, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	char path[64], line[512];
	FILE *f;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && addr >= a && addr < b) {
			*lo = a;
			*hi = b;
			found = true;
		}
	}
	fclose(f);
	return found;
}

struct logical {
	char func[512];
	const char *file;
	int line;
	long off;
	uint64_t entry;
};

/*
 * Physical frames -> logical ones (inlined expanded), names as printed,
 * wrappers hidden as the runtime hides them.
 */
static unsigned expand(struct gs_sym *s, unsigned minor, const struct gs_uframe *fr, unsigned n,
		       struct logical *lf, unsigned max)
{
	enum gs_fkind callee = GS_FK_NORMAL;
	unsigned m = 0;

	for (unsigned i = 0; i < n && m < max; i++) {
		struct gs_symframe f[GS_SYM_MAX_DEPTH];
		int k = gs_sym_frames(s, fr[i].sym_pc, f, GS_SYM_MAX_DEPTH);

		assert_true(k > 0);
		for (int j = 0; j < k && m < max; j++) {
			enum gs_fkind kind = f[j].kind;
			bool hide = kind == GS_FK_WRAPPER && gs_fkind_elide_wrapper(callee);

			callee = kind;
			if (hide)
				continue;
			snprintf(lf[m].func, sizeof(lf[m].func), "%s",
				 gs_sym_print_name(f[j].func, minor, lf[m].func, sizeof(lf[m].func)));
			lf[m].file = f[j].file;
			lf[m].line = f[j].line;
			lf[m].off = f[j].inlined ? -1 : (long)(fr[i].pc - f[j].entry);
			lf[m].entry = f[j].entry;
			m++;
		}
	}
	return m;
}

static void live_one(unsigned minor, const char *variant)
{
	const char *bin = st_path(minor, variant);
	int in[2], out[2], status;
	struct user_regs_struct regs;
	struct gs_unwind_regs ur = { 0 };
	struct gs_unwind_opts uo = { 0 };
	struct gs_unwind_result res;
	struct gs_memsnap snap;
	struct gs_mem mem;
	static struct gs_uframe fr[MAXF];
	static struct logical lf[MAXF];
	static struct dump_frame df[256];
	static uint8_t stack[GS_STACK_SNAP_MAX];
	const struct st_stack *blk = NULL;
	unsigned nd, nl, nf, at, first, agree;
	uint64_t lo = 0, hi = 0;
	struct st_run r;
	struct st_img im;
	pid_t pid;
	FILE *f;

	gs_require_fixture(bin + strlen(gs_fixture("")));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(bin, bin, "block", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(out[0], "r");
	st_parse(f, &r);
	assert_true(r.tid > 0 && r.dump);
	for (unsigned i = 0; i < r.n; i++)
		if (!strcmp(r.st[i].label, "block"))
			blk = &r.st[i];
	assert_non_null(blk);

	/* Stop the blocked thread without a signal the program sees. */
	assert_int_equal(ptrace(PTRACE_SEIZE, (pid_t)r.tid, 0, 0), 0);
	assert_int_equal(ptrace(PTRACE_INTERRUPT, (pid_t)r.tid, 0, 0), 0);
	assert_int_equal(waitpid((pid_t)r.tid, &status, __WALL), (pid_t)r.tid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(ptrace(PTRACE_GETREGS, (pid_t)r.tid, 0, &regs), 0);
	ur.pc = regs.rip;
	ur.sp = regs.rsp;
	ur.fp = regs.rbp;
	ur.fp_valid = true;
	assert_true(mapping_of(pid, ur.sp, &lo, &hi));
	assert_int_equal(gs_stack_snapshot(pid, ur.sp, hi, 0, stack, &snap), 0);
	assert_int_equal(ptrace(PTRACE_DETACH, (pid_t)r.tid, 0, 0), 0);

	st_open(&im, bin);
	mem = gs_memsnap_mem(&snap);
	uo.stack_lo = lo;
	uo.stack_hi = hi;
	uo.trap = true;
	nf = gs_unwind(im.s, &mem, &ur, &uo, fr, MAXF, &res);
	if (res.stop != GS_UNW_TOP)
		fail_msg("%s: unwind stopped after %u frames: %s", bin, nf, gs_unwind_stop_str(res.stop));
	nl = expand(im.s, minor, fr, nf, lf, MAXF);
	assert_string_equal(lf[nl - 1].func, "runtime.goexit");

	/* The runtime's dump, from its second frame (the first is where entersyscall was called). */
	nd = parse_dump(r.dump, "main.blockLeaf", df, ARRAY_SIZE(df));
	assert_true(nd >= 8);
	for (at = 0; at < nl && strcmp(lf[at].func, df[1].func); at++)
		;
	if (at == nl)
		fail_msg("%s: %s of the runtime's dump not in ours", bin, df[1].func);
	assert_true(at + nd - 1 < nl);
	for (unsigned k = 1; k < nd; k++) {
		const struct logical *l = &lf[at + k - 1];

		if (strcmp(l->func, df[k].func) || strcmp(l->file, df[k].file) || l->line != df[k].line ||
		    l->off != df[k].off)
			fail_msg("%s frame %u: runtime %s %s:%d +%lx, ours %s %s:%d +%lx", bin, k, df[k].func,
				 df[k].file, df[k].line, df[k].off, l->func, l->file, l->line, l->off);
	}
	/* Below blockLeaf: what runtime.CallersFrames said before it blocked. */
	for (at = 0; at < nl && strcmp(lf[at].func, "main.blockLeaf"); at++)
		;
	assert_true(at < nl);
	assert_string_equal(blk->frames[1].func, "main.blockLeaf");
	if (nl - at != blk->nframes - 1) {
		for (unsigned k = 0; k < nl; k++)
			fprintf(stderr, "# ours %u: %s %s:%d\n", k, lf[k].func, lf[k].file, lf[k].line);
		for (unsigned k = 0; k < blk->nframes; k++)
			fprintf(stderr, "# runtime %u: %s\n", k, blk->frames[k].func);
		fail_msg("%s: %u frames below blockLeaf, the runtime %u", bin, nl - at, blk->nframes - 1);
	}
	for (unsigned k = 2; k < blk->nframes; k++) {
		const struct logical *l = &lf[at + k - 1];

		assert_string_equal(l->func, blk->frames[k].func);
		assert_string_equal(l->file, blk->frames[k].file);
		assert_int_equal(l->line, blk->frames[k].line);
		assert_int_equal(l->entry, blk->frames[k].entry);
	}
	/* The frame-pointer chain agrees from where it meets the pcsp walk. */
	agree = gs_unwind_fp_check(&mem, &ur, &uo, 8, fr, nf, &first);
	if (agree + first + 1 < nf)
		fail_msg("%s: frame pointers agree on %u frames from %u of %u", bin, agree, first, nf);

	close(in[1]);	/* the fixture exits */
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	st_close(&im);
	st_free(&r);
}

static void test_live_every_toolchain(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);

	(void)state;
	gs_require_root();
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned i = 0; i < n; i++) {
		live_one(minors[i], "amd64");
		live_one(minors[i], "amd64.stripped");
	}
}

/* ---- synthetic stacks from real pcsp tables ---- */

struct synth {
	uint8_t mem[1 << 16];
	uint64_t base;			/* address of mem[0] */
	uint64_t pcs[64], sps[64];
	unsigned n;
};

static void put_word(struct synth *sy, uint64_t addr, uint64_t v)
{
	assert_true(addr >= sy->base && addr + 8 <= sy->base + sizeof(sy->mem));
	memcpy(sy->mem + (addr - sy->base), &v, 8);
}

/* A pc of fi where SP moved most (its body), and that delta. */
static bool body_pc(struct gs_sym *s, const struct gs_funcinfo *fi, unsigned quantum, uint64_t *pc,
		    int32_t *delta)
{
	int32_t best = -1;

	for (uint64_t p = fi->entry + quantum; p < fi->end; p += quantum) {
		int32_t d;

		if (gs_sym_spdelta(s, fi, p, &d) && d > best) {
			best = d;
			*pc = p;
		}
	}
	*delta = best;
	return best > 0;
}

static bool func_named(struct gs_sym *s, const char *name, struct gs_funcinfo *fi)
{
	struct gs_sym_info in;

	gs_sym_get_info(s, &in);
	for (uint64_t i = 0; i < in.nfunc; i++)
		if (gs_sym_func_at(s, i, fi) == 0 && !strcmp(fi->name, name) && fi->end > fi->entry + 4)
			return true;
	return false;
}

/*
 * Build a stack: innermost chain[0] ... up to runtime.goexit, each frame at
 * its body pc, laid out as the architecture's rules say; return the regs.
 */
static void synth_build(struct gs_sym *s, const char *const *chain, unsigned nchain,
			struct synth *sy, struct gs_unwind_regs *regs)
{
	struct gs_sym_info in;
	uint64_t sp;
	bool lr = false;

	gs_sym_get_info(s, &in);
	lr = in.machine == EM_AARCH64;
	memset(sy, 0, sizeof(*sy));
	sy->base = 0xc000100000ull;
	sp = sy->base + 256;
	memset(regs, 0, sizeof(*regs));
	for (unsigned i = 0; i <= nchain; i++) {
		struct gs_funcinfo fi;
		uint64_t pc = 0;
		int32_t d;

		if (i == nchain) {
			/* goexit: its return address is entry + one instruction. */
			assert_true(func_named(s, "runtime.goexit", &fi));
			pc = fi.entry + in.quantum;
			assert_true(gs_sym_spdelta(s, &fi, pc, &d));
		} else {
			if (!func_named(s, chain[i], &fi))
				fail_msg("no %s", chain[i]);
			assert_true(body_pc(s, &fi, in.quantum, &pc, &d));
		}
		sy->pcs[sy->n] = pc;
		sy->sps[sy->n] = sp;
		sy->n++;
		if (i > 0) {
			/* The callee stored this return address. */
			if (lr)
				put_word(sy, sy->sps[i - 1], pc);
			else
				put_word(sy, sp - 8, pc);
		}
		sp += (uint64_t)d + (lr ? 0 : 8);
	}
	regs->pc = sy->pcs[0];
	regs->sp = sy->sps[0];
}

static int synth_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct synth *sy = ctx;

	if (addr < sy->base || addr - sy->base > sizeof(sy->mem) || len > sizeof(sy->mem) - (addr - sy->base))
		return -1;
	memcpy(buf, sy->mem + (addr - sy->base), len);
	return 0;
}

static const char *const chain[] = { "main.blockLeaf", "main.blockMid", "main.blockMid",
				     "main.blockTop", "main.deep", "main.frames", "main.main",
				     "runtime.main" };

static void synth_check(const char *bin)
{
	static struct synth sy;
	struct gs_unwind_regs regs;
	struct gs_unwind_opts o = { 0 };
	struct gs_unwind_result res;
	struct gs_uframe fr[64];
	struct gs_mem mem = { synth_read, &sy };
	struct st_img im;
	unsigned n;

	st_open(&im, bin);
	synth_build(im.s, chain, ARRAY_SIZE(chain), &sy, &regs);
	o.stack_lo = sy.base;
	o.stack_hi = sy.base + sizeof(sy.mem);
	o.trap = true;
	n = gs_unwind(im.s, &mem, &regs, &o, fr, 64, &res);
	if (res.stop != GS_UNW_TOP || n != sy.n)
		fail_msg("%s: %u of %u frames, %s", bin, n, sy.n, gs_unwind_stop_str(res.stop));
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(fr[i].pc, sy.pcs[i]);
		assert_int_equal(fr[i].sp, sy.sps[i]);
		/* The innermost pc is a trap pc; callers' pcs are return addresses. */
		assert_int_equal(fr[i].sym_pc, i ? sy.pcs[i] - 1 : sy.pcs[i]);
	}
	assert_int_equal(fr[n - 1].kind, GS_FK_GOEXIT);
	/* Without the TRAP flag the innermost pc is taken as a return address. */
	o.trap = false;
	n = gs_unwind(im.s, &mem, &regs, &o, fr, 64, &res);
	assert_int_equal(res.stop, GS_UNW_TOP);
	assert_int_equal(fr[0].sym_pc, sy.pcs[0] - 1);
	/* A frame cap and a read cap end the walk where they say. */
	o.max_frames = 3;
	assert_int_equal(gs_unwind(im.s, &mem, &regs, &o, fr, 64, &res), 3);
	assert_int_equal(res.stop, GS_UNW_MAX_FRAMES);
	o.max_frames = 0;
	o.max_reads = 2;
	gs_unwind(im.s, &mem, &regs, &o, fr, 64, &res);
	assert_int_equal(res.stop, GS_UNW_MAX_READS);
	assert_true(res.reads <= 2);
	st_close(&im);
}

/* On arm64 a leaf whose prologue has not run yet returns through LR. */
static void synth_arm64_leaf(const char *bin)
{
	static struct synth sy;
	struct gs_unwind_regs regs;
	struct gs_unwind_opts o = { 0 };
	struct gs_unwind_result res;
	struct gs_uframe fr[64];
	struct gs_mem mem = { synth_read, &sy };
	struct gs_funcinfo leaf;
	struct st_img im;
	unsigned n;

	st_open(&im, bin);
	synth_build(im.s, chain + 1, ARRAY_SIZE(chain) - 1, &sy, &regs);
	assert_true(func_named(im.s, "main.blockLeaf", &leaf));
	regs.lr = regs.pc;		/* blockMid's body, as if it just called */
	regs.lr_valid = true;
	regs.pc = leaf.entry;		/* SP not moved yet: pcsp 0 */
	o.stack_lo = sy.base;
	o.stack_hi = sy.base + sizeof(sy.mem);
	o.trap = true;
	n = gs_unwind(im.s, &mem, &regs, &o, fr, 64, &res);
	assert_int_equal(res.stop, GS_UNW_TOP);
	assert_int_equal(n, sy.n + 1);
	assert_int_equal(fr[0].spdelta, 0);
	assert_int_equal(fr[1].pc, sy.pcs[0]);
	st_close(&im);
}

static void test_synthetic(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned i = 0; i < n; i++) {
		synth_check(st_path(minors[i], "amd64"));
		synth_check(st_path(minors[i], "arm64"));
		synth_check(st_path(minors[i], "arm64.stripped"));
		synth_arm64_leaf(st_path(minors[i], "arm64"));
	}
}

/* ---- hostile memory ---- */

static void test_hostile(void **state)
{
	unsigned minors[ST_MAX_TOOLCHAINS], n = st_toolchains(minors, ST_MAX_TOOLCHAINS);
	static const char *const variants[] = { "amd64", "arm64" };

	(void)state;
	gs_require(n > 0, "symtest fixtures (tools/build-symtest.sh)");
	for (unsigned v = 0; v < ARRAY_SIZE(variants); v++) {
		static struct synth sy;
		struct gs_unwind_regs regs;
		struct gs_unwind_opts o = { 0 };
		struct gs_unwind_result res;
		static struct gs_uframe fr[MAXF];
		struct gs_mem mem = { synth_read, &sy };
		struct gs_sym_info in;
		struct st_img im;
		unsigned seed = 1;

		st_open(&im, st_path(minors[n - 1], variants[v]));
		gs_sym_get_info(im.s, &in);
		synth_build(im.s, chain, ARRAY_SIZE(chain), &sy, &regs);
		o.stack_lo = sy.base;
		o.stack_hi = sy.base + sizeof(sy.mem);

		/* A loop: every slot holds the same body pc; SP still climbs, then leaves the stack. */
		for (uint64_t a = sy.base; a + 8 <= sy.base + sizeof(sy.mem); a += 8)
			put_word(&sy, a, sy.pcs[1]);
		regs.pc = sy.pcs[1];
		gs_unwind(im.s, &mem, &regs, &o, fr, MAXF, &res);
		assert_true(res.stop == GS_UNW_BOUNDS || res.stop == GS_UNW_MAX_FRAMES);
		assert_false(res.complete);

		/* A pc outside text. */
		synth_build(im.s, chain, ARRAY_SIZE(chain), &sy, &regs);
		put_word(&sy, in.machine == EM_AARCH64 ? sy.sps[1] : sy.sps[2] - 8, 0xdeadbeef0ull);
		assert_int_equal(gs_unwind(im.s, &mem, &regs, &o, fr, MAXF, &res), 2);
		assert_int_equal(res.stop, GS_UNW_NO_FUNC);

		/* An absurd frame: a stack that ends inside it. */
		synth_build(im.s, chain, ARRAY_SIZE(chain), &sy, &regs);
		o.stack_hi = sy.sps[2] + 8;
		gs_unwind(im.s, &mem, &regs, &o, fr, MAXF, &res);
		assert_true(res.stop == GS_UNW_BOUNDS || res.stop == GS_UNW_BAD_SPDELTA);
		o.stack_hi = sy.base + sizeof(sy.mem);

		/* SP outside the stack from the start; a memory that fails. */
		regs.sp = sy.base - 64;
		assert_int_equal(gs_unwind(im.s, &mem, &regs, &o, fr, MAXF, &res), 0);
		assert_int_equal(res.stop, GS_UNW_BOUNDS);
		regs.sp = sy.sps[0];
		{
			struct gs_memsnap empty = { 0 };
			struct gs_mem bad = gs_memsnap_mem(&empty);

			gs_unwind(im.s, &bad, &regs, &o, fr, MAXF, &res);
			assert_int_equal(res.stop, GS_UNW_READ);
		}
		/* Random words, random pcs from text: always ends, within the caps. */
		for (unsigned round = 0; round < 2000; round++) {
			for (unsigned k = 0; k < sizeof(sy.mem) / 8; k++) {
				uint64_t w;

				seed = seed * 1103515245u + 12345u;
				w = (seed >> 3) % 3 == 0 ? in.minpc + seed % (in.maxpc - in.minpc)
							 : sy.base + (seed % sizeof(sy.mem));
				memcpy(sy.mem + 8 * k, &w, 8);
			}
			regs.pc = in.minpc + seed % (in.maxpc - in.minpc);
			regs.sp = sy.base + (seed % 1024) * 8;
			regs.lr = in.minpc + (seed >> 8) % (in.maxpc - in.minpc);
			regs.lr_valid = true;
			o.trap = seed & 1;
			o.max_frames = 200;
			assert_true(gs_unwind(im.s, &mem, &regs, &o, fr, MAXF, &res) <= 200);
			assert_true(res.reads <= GS_UNWIND_DEFAULT_READS);
			for (unsigned k = 1; k < res.n; k++)
				assert_true(fr[k].sp >= fr[k - 1].sp);
		}
		o.max_frames = 0;
		st_close(&im);
	}
}

/* ---- batched reads of a live process ---- */

static void test_batch_reader(void **state)
{
	static uint8_t a[8192], b[100], c[3 * 4096];
	uint8_t ga[8192], gb[100], gc[3 * 4096], gz[64];
	struct gs_memrange r[4];
	struct gs_memsnap snap;
	uint8_t *hole;
	int calls;

	(void)state;
	for (unsigned i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 7);
	memset(b, 0x5a, sizeof(b));
	memset(c, 0xa5, sizeof(c));
	/* A middle page that cannot be read. */
	hole = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	memset(hole, 0x11, 3 * 4096);
	assert_int_equal(mprotect(hole + 4096, 4096, PROT_NONE), 0);
	r[0] = (struct gs_memrange){ (uint64_t)(uintptr_t)a, sizeof(a), ga, 0 };
	r[1] = (struct gs_memrange){ (uint64_t)(uintptr_t)hole, 3 * 4096, gc, 0 };
	r[2] = (struct gs_memrange){ (uint64_t)(uintptr_t)b, sizeof(b), gb, 0 };
	r[3] = (struct gs_memrange){ 8, sizeof(gz), gz, 0 };
	calls = gs_pvm_read_batch(getpid(), r, 4);
	assert_true(calls >= 1 && calls < 64);
	assert_int_equal(r[0].got, sizeof(a));
	assert_memory_equal(ga, a, sizeof(a));
	assert_int_equal(r[1].got, 4096);	/* the prefix before the hole */
	assert_int_equal(gc[4095], 0x11);
	assert_int_equal(r[2].got, sizeof(b));
	assert_memory_equal(gb, b, sizeof(b));
	assert_int_equal(r[3].got, 0);
	/* All readable: one call. */
	r[1] = (struct gs_memrange){ (uint64_t)(uintptr_t)c, sizeof(c), gc, 0 };
	assert_int_equal(gs_pvm_read_batch(getpid(), r, 3), 1);
	/* A snapshot stops at the hole and serves reads inside itself only. */
	assert_int_equal(gs_stack_snapshot(getpid(), (uint64_t)(uintptr_t)hole,
					   (uint64_t)(uintptr_t)hole + 3 * 4096, 0, gc, &snap), 0);
	assert_int_equal(snap.len, 4096);
	{
		struct gs_mem m = gs_memsnap_mem(&snap);
		uint64_t w;

		assert_int_equal(m.read(m.ctx, snap.base + 4088, &w, 8), 0);
		assert_int_equal(m.read(m.ctx, snap.base + 4090, &w, 8), -1);
		assert_int_equal(m.read(m.ctx, snap.base - 8, &w, 8), -1);
	}
	/* A process that is gone. */
	r[0].got = 1;
	assert_int_equal(gs_pvm_read_batch(0x7ffffff0, r, 1), -1);
	assert_int_equal(errno, ESRCH);
	munmap(hole, 3 * 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_reader),
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_live_every_toolchain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
