/* SPDX-License-Identifier: MIT */
/*
 * The agentless goroutine dump against the runtime's own: for every
 * toolchain and build mode (tools/build-stackdemo.sh: plain, stripped, PIE,
 * cgo, build info removed), stackdemo parks goroutines in known places and
 * prints runtime.Stack(buf, true) just before goscope reads it; SIGQUIT
 * makes it print its crash dump just after. goscope's dump (the CLI,
 * `stack --agentless`, and `--system` when the crash dump is at the system
 * level) must list the same goroutines with the same status, functions,
 * files, lines, offsets, elision and creators (arguments aside).
 *
 * Also: the consistency rule on recorded memory that changes under the
 * reader, --freeze's registers on spinning goroutines, the text parser, the
 * release rules of the traceback printer, and hostile records.
 */
#include "testlib.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "freeze.h"
#include "goroutines.h"
#include "gtarget.h"
#include "gtext.h"
#include "gtrace.h"
#include "stackdump.h"

#define MODES 5
static const char *const modes[MODES] = {
	"stackdemo", "stackdemo.stripped", "stackdemo.pie", "stackdemo.cgo",
	"stackdemo.nobuildinfo",
};

static const char *goscope_bin(void)
{
	const char *g = getenv("GOSCOPE");

	return g && *g ? g : "build/goscope";
}

/* ---- running the fixture ---- */

struct proc {
	pid_t pid;
	int out;			/* its stdout */
	char errpath[64];		/* its stderr */
	char *before;			/* the BEFORE dump */
	char *text;			/* all stdout read so far */
	size_t len;
};

static void start(struct proc *p, const char *bin, const char *arg1, const char *arg2)
{
	int fds[2], errfd;

	memset(p, 0, sizeof(*p));
	snprintf(p->errpath, sizeof(p->errpath), "/tmp/gs-stackdump.XXXXXX");
	errfd = mkstemp(p->errpath);
	assert_true(errfd >= 0);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(errfd, 2);
		execl(bin, bin, arg1, arg2, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	close(errfd);
	p->out = fds[0];
}

/* Read its stdout until want appears (20 s at most). */
static void wait_for(struct proc *p, const char *want)
{
	time_t end = time(NULL) + 20;

	while (!p->text || !strstr(p->text, want)) {
		struct pollfd pf = { p->out, POLLIN, 0 };
		char buf[65536];
		ssize_t n;

		if (time(NULL) > end)
			fail_msg("pid %d: no %s after 20 s", p->pid, want);
		if (poll(&pf, 1, 1000) <= 0)
			continue;
		n = read(p->out, buf, sizeof(buf));
		if (n <= 0)
			fail_msg("pid %d: stdout closed before %s", p->pid, want);
		p->text = realloc(p->text, p->len + (size_t)n + 1);
		assert_non_null(p->text);
		memcpy(p->text + p->len, buf, (size_t)n);
		p->len += (size_t)n;
		p->text[p->len] = '\0';
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *b = NULL;
	size_t n = 0, cap = 0;

	assert_non_null(f);
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		size_t k = fread(b + n, 1, 65536, f);

		n += k;
		if (k == 0)
			break;
	}
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

/* Run goscope with args; its stdout, and its exit status in *status. */
static char *run_goscope(const char *args, pid_t pid, int *status)
{
	char cmd[512], *b = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' %s %d", goscope_bin(), args, (int)pid);
	f = popen(cmd, "r");
	assert_non_null(f);
	for (;;) {
		size_t k;

		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
		k = fread(b + n, 1, 65536, f);
		n += k;
		if (!k)
			break;
	}
	b[n] = '\0';
	*status = pclose(f);
	return b;
}

static void stop(struct proc *p, int sig)
{
	int st;

	if (p->pid > 0) {
		kill(p->pid, sig);
		waitpid(p->pid, &st, 0);
		p->pid = 0;
	}
	if (p->out > 0)
		close(p->out);
	p->out = -1;
}

static void proc_free(struct proc *p)
{
	stop(p, SIGKILL);
	unlink(p->errpath);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

/* ---- fuzz seeds (GOSCOPE_WRITE_FUZZ_SEEDS=DIR: DIR/fuzz_gtext, DIR/fuzz_stackdump) ---- */

static FILE *seed_file(const char *target, const char *name)
{
	const char *dir = getenv("GOSCOPE_WRITE_FUZZ_SEEDS");
	char path[PATH_MAX];
	FILE *f;

	if (!dir || !*dir)
		return NULL;
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "w");
	assert_non_null(f);
	return f;
}

static void seed_text(const char *name, const char *text)
{
	FILE *f = seed_file("fuzz_gtext", name);

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* ---- comparing dumps ---- */

static char *str(struct gs_tx_str s)
{
	static char ring[8][1024];
	static unsigned k;
	char *b = ring[k++ % 8];

	snprintf(b, 1024, "%.*s", (int)(s.n > 1000 ? 1000 : s.n), s.p);
	return b;
}

/* Goroutine a (ours) against b (the runtime's): everything but arguments. */
static void same_goroutine(const char *what, const struct gs_tx *ta, const struct gs_tx_goroutine *a,
			   const struct gs_tx *tb, const struct gs_tx_goroutine *b, bool extra)
{
	if (!gs_tx_same(a->state, b->state))
		fail_msg("%s: goroutine %" PRIu64 ": state [%s], the runtime's [%s]", what, a->goid,
			 str(a->state), str(b->state));
	if (extra && !gs_tx_same(a->extra, b->extra))
		fail_msg("%s: goroutine %" PRIu64 ": header '%s', the runtime's '%s'", what, a->goid,
			 str(a->extra), str(b->extra));
	if (a->nframes != b->nframes || a->elided != b->elided || a->elided_at != b->elided_at)
		fail_msg("%s: goroutine %" PRIu64 ": %zu frames (elided %" PRId64 " at %zu), the "
			 "runtime's %zu (elided %" PRId64 " at %zu)", what, a->goid, a->nframes,
			 a->elided, a->elided_at, b->nframes, b->elided, b->elided_at);
	for (size_t k = 0; k < a->nframes; k++) {
		const struct gs_tx_frame *x = &ta->fr[a->frame0 + k], *y = &tb->fr[b->frame0 + k];

		if (!gs_tx_same(x->func, y->func) || !gs_tx_same(x->file, y->file) ||
		    x->line != y->line || x->has_off != y->has_off || x->off != y->off ||
		    x->has_fpsp != y->has_fpsp || x->fp != y->fp || x->sp != y->sp || x->pc != y->pc)
			fail_msg("%s: goroutine %" PRIu64 " frame %zu: %s %s:%" PRId64 " +%" PRIx64
				 " sp=%" PRIx64 ", the runtime's %s %s:%" PRId64 " +%" PRIx64 " sp=%"
				 PRIx64, what, a->goid, k, str(x->func), str(x->file), x->line, x->off,
				 x->sp, str(y->func), str(y->file), y->line, y->off, y->sp);
	}
	if (a->has_creator != b->has_creator || !gs_tx_same(a->creator, b->creator) ||
	    a->creator_goid != b->creator_goid || !gs_tx_same(a->creator_at.file, b->creator_at.file) ||
	    a->creator_at.line != b->creator_at.line || a->creator_at.off != b->creator_at.off)
		fail_msg("%s: goroutine %" PRIu64 ": created by %s in %" PRIu64 " %s:%" PRId64
			 ", the runtime's %s in %" PRIu64 " %s:%" PRId64, what, a->goid,
			 str(a->creator), a->creator_goid, str(a->creator_at.file), a->creator_at.line,
			 str(b->creator), b->creator_goid, str(b->creator_at.file), b->creator_at.line);
	if (a->note.n || b->note.n)
		fail_msg("%s: goroutine %" PRIu64 ": '%s' / the runtime: '%s'", what, a->goid,
			 str(a->note), str(b->note));
}

static const struct gs_tx_goroutine *with_frame(const struct gs_tx *tx, const char *func)
{
	for (size_t i = 0; i < tx->n; i++)
		for (size_t k = 0; k < tx->g[i].nframes; k++)
			if (gs_tx_eq(tx->fr[tx->g[i].frame0 + k].func, func))
				return &tx->g[i];
	return NULL;
}

static bool has_fpsp(const struct gs_tx *tx, size_t from)
{
	for (size_t i = from; i < tx->n; i++)
		for (size_t k = 0; k < tx->g[i].nframes; k++)
			if (tx->fr[tx->g[i].frame0 + k].has_fpsp)
				return true;
	return false;
}

/* The parked places of park mode, in our dump. */
static void check_places(const char *what, unsigned minor, const struct gs_tx *tx)
{
	static const struct {
		const char *func, *state, *state_old;
	} places[] = {
		{ "main.parkChanRecv", "chan receive", NULL },
		{ "main.parkSelect", "select", NULL },
		{ "main.parkMutex", "sync.Mutex.Lock", "semacquire" },
		{ "main.parkSleep", "sleep", NULL },
		{ "main.parkSyscall", "syscall", NULL },
		{ "main.deep", "chan receive", NULL },
		{ "main.parkInline", "chan receive", NULL },
		{ "main.parkLocked", "chan receive, locked to thread", NULL },
	};
	const struct gs_tx_goroutine *g;

	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		g = with_frame(tx, places[i].func);
		if (!g)
			fail_msg("%s: no goroutine in %s", what, places[i].func);
		if (!gs_tx_eq(g->state, places[i].state) &&
		    !(places[i].state_old && gs_tx_eq(g->state, places[i].state_old)))
			fail_msg("%s: %s is [%s]", what, places[i].func, str(g->state));
		assert_true(g->has_creator);
		assert_true(gs_tx_eq(g->creator, "main.park"));
		assert_int_equal(g->creator_goid, minor >= 21 ? 1 : 0);
	}
	/* 2,000 frames: elided as each release does it. */
	g = with_frame(tx, "main.deep");
	if (minor >= 21) {
		assert_int_equal(g->elided_at, 50);
		assert_int_equal(g->nframes, 100);
		assert_true(g->elided > 1800);
	} else {
		/* 100 physical frames are walked; the line is printed only when all 100
		 * were shown, so runtime frames at the top leave it out. */
		assert_true(g->nframes >= 90 && g->nframes <= 100);
		assert_true(g->elided == 0 || (g->elided == -1 && g->nframes == 100));
	}
	/* The inlined chain: three frames without offsets, then the physical one. */
	g = with_frame(tx, "main.parkInline");
	{
		const struct gs_tx_frame *f = NULL;
		size_t k;

		for (k = 0; k < g->nframes; k++) {
			f = &tx->fr[g->frame0 + k];
			if (gs_tx_eq(f->func, "main.inlC"))
				break;
		}
		assert_true(k + 3 < g->nframes);
		assert_false(f->has_off);
		assert_true(gs_tx_eq(f[1].func, "main.inlB") && !f[1].has_off);
		assert_true(gs_tx_eq(f[2].func, "main.inlA") && !f[2].has_off);
		assert_true(gs_tx_eq(f[3].func, "main.parkInline") && f[3].has_off);
	}
}

static void parse(const char *what, const char *text, struct gs_tx *tx)
{
	struct gs_err err = { 0 };

	if (gs_tx_parse(text, strlen(text), tx, &err) < 0)
		fail_msg("%s: parse: %s", what, err.msg);
	if (!tx->n)
		fail_msg("%s: no goroutine in:\n%s", what, text);
}

static void ground_truth(unsigned minor)
{
	struct proc p[MODES];
	char dir[32];

	snprintf(dir, sizeof(dir), "stackdemo/1.%u", minor);
	gs_require_fixture(dir);
	gs_require_root();
	for (int m = 0; m < MODES; m++) {
		char name[64];

		snprintf(name, sizeof(name), "%s/%s", dir, modes[m]);
		start(&p[m], gs_require_fixture(name), "park", NULL);
	}
	for (int m = 0; m < MODES; m++) {
		struct gs_tx before, ours, sys, after;
		char what[96], *b, *e, *o, *s, *q;
		size_t qlen;
		int st1, st2;
		bool level2;

		snprintf(what, sizeof(what), "go1.%u %s", minor, modes[m]);
		wait_for(&p[m], "READY\n");
		b = strstr(p[m].text, "BEFORE\n");
		e = b ? strstr(b, "END\n") : NULL;
		assert_non_null(e);
		*e = '\0';
		o = run_goscope("stack --agentless", p[m].pid, &st1);
		s = run_goscope("stack --system", p[m].pid, &st2);
		if (st1 != 0 || st2 != 0)
			fail_msg("%s: goscope exited %d/%d", what, st1, st2);
		stop(&p[m], SIGQUIT);
		q = read_file(p[m].errpath, &qlen);
		if (m == 0 && (minor == 15 || minor == 27)) {
			char name[64];

			snprintf(name, sizeof(name), "go1.%u-runtime-stack", minor);
			seed_text(name, b + 7);
			snprintf(name, sizeof(name), "go1.%u-sigquit", minor);
			seed_text(name, q);
			snprintf(name, sizeof(name), "go1.%u-goscope-system", minor);
			seed_text(name, s);
		}
		parse(what, b + 7, &before);
		parse(what, o, &ours);
		parse(what, s, &sys);
		parse(what, q, &after);

		/* runtime.Stack before: the same goroutines, the same stacks but main's. */
		if (before.n != ours.n)
			fail_msg("%s: %zu goroutines, runtime.Stack %zu:\n%s\n---\n%s", what, ours.n,
				 before.n, o, b + 7);
		for (size_t i = 0; i < before.n; i++) {
			const struct gs_tx_goroutine *g = gs_tx_find(&ours, before.g[i].goid);

			if (!g)
				fail_msg("%s: goroutine %" PRIu64 " missing", what, before.g[i].goid);
			if (g->goid != 1)
				same_goroutine(what, &ours, g, &before, &before.g[i], false);
		}
		check_places(what, minor, &ours);

		/* The crash dump after: every goroutine but the one the signal ran on,
		 * at its level (the system level prints fp/sp/pc and system goroutines). */
		level2 = has_fpsp(&after, 1);
		{
			const struct gs_tx *cmp = level2 ? &sys : &ours;

			for (size_t i = 1; i < after.n; i++) {
				const struct gs_tx_goroutine *g = gs_tx_find(cmp, after.g[i].goid);

				if (!g)
					fail_msg("%s: goroutine %" PRIu64 " of the crash dump missing", what,
						 after.g[i].goid);
				same_goroutine(what, cmp, g, &after, &after.g[i], level2);
			}
			for (size_t i = 0; i < cmp->n; i++)
				if (!gs_tx_find(&after, cmp->g[i].goid))
					fail_msg("%s: goroutine %" PRIu64 " not in the crash dump", what,
						 cmp->g[i].goid);
			assert_true(cmp->n + 1 >= after.n);
		}
		/* --system shows more: the runtime's goroutines. */
		assert_true(sys.n > ours.n);

		gs_tx_free(&before);
		gs_tx_free(&ours);
		gs_tx_free(&sys);
		gs_tx_free(&after);
		free(o);
		free(s);
		free(q);
		proc_free(&p[m]);
	}
}

#define GT(n)                                         \
	static void test_ground_truth_1_##n(void **st) \
	{                                             \
		(void)st;                             \
		ground_truth(n);                      \
	}
GT(15)
GT(19)
GT(21)
GT(22)
GT(23)
GT(24)
GT(25)
GT(26)
GT(27)

/* ---- consistency on recorded memory ---- */

struct range {
	uint64_t addr;
	size_t len;
	uint8_t *data;
};

struct recorder {
	pid_t pid;
	struct range *r;
	size_t n, cap;
	/* replay */
	unsigned calls;
	uint64_t gaddr;			/* the g record to change */
	uint32_t status_off, goid_off;
	unsigned change_from, change_to;	/* record reads [from, to) see a change */
	unsigned greads;
	bool toggle;			/* every read of it differs from the last */
};

static int rec_batch(void *ctx, struct gs_memrange *mr, size_t n)
{
	struct recorder *rc = ctx;
	int calls = gs_pvm_read_batch(rc->pid, mr, n);

	if (calls < 0)
		return calls;
	for (size_t i = 0; i < n; i++) {
		struct range *r;

		if (!mr[i].got)
			continue;
		if (rc->n == rc->cap) {
			rc->cap = rc->cap ? rc->cap * 2 : 256;
			rc->r = realloc(rc->r, rc->cap * sizeof(*rc->r));
			assert_non_null(rc->r);
		}
		r = &rc->r[rc->n++];
		r->addr = mr[i].addr;
		r->len = mr[i].got;
		r->data = malloc(r->len);
		assert_non_null(r->data);
		memcpy(r->data, mr[i].buf, r->len);
	}
	return calls;
}

static int replay_batch(void *ctx, struct gs_memrange *mr, size_t n)
{
	struct recorder *rc = ctx;

	rc->calls++;
	for (size_t i = 0; i < n; i++) {
		mr[i].got = 0;
		for (size_t k = rc->n; k-- > 0;) {
			const struct range *r = &rc->r[k];

			if (mr[i].addr >= r->addr && mr[i].len <= r->len &&
			    mr[i].addr - r->addr <= r->len - mr[i].len) {
				memcpy(mr[i].buf, r->data + (mr[i].addr - r->addr), mr[i].len);
				mr[i].got = mr[i].len;
				break;
			}
		}
		if (mr[i].addr == rc->gaddr && mr[i].got) {
			unsigned k = rc->greads++;
			uint32_t st;

			if (rc->toggle && k % 2 == 1) {
				uint64_t id;

				memcpy(&id, (uint8_t *)mr[i].buf + rc->goid_off, 8);
				id += 1000;
				memcpy((uint8_t *)mr[i].buf + rc->goid_off, &id, 8);
			} else if (!rc->toggle && k >= rc->change_from && k < rc->change_to) {
				memcpy(&st, (uint8_t *)mr[i].buf + rc->status_off, 4);
				st = 2;	/* _Grunning */
				memcpy((uint8_t *)mr[i].buf + rc->status_off, &st, 4);
			}
		}
	}
	return (int)n;
}

/* The recording in fuzz_stackdump's input format, globals moved where it expects them. */
static void seed_memory(const char *name, uint8_t sel, const struct recorder *rc,
			const struct gs_allg_src *allg)
{
	FILE *f = seed_file("fuzz_stackdump", name);

	if (!f)
		return;
	fputc(sel, f);
	for (size_t k = 0; k < rc->n; k++) {
		const struct range *r = &rc->r[k];
		uint64_t a = r->addr;

		/* Stacks cut at 16 KiB keep seeds small (the deep one then ends early). */
		for (size_t off = 0; off < r->len && off < 16384; off += 65535) {
			size_t len = r->len - off > 16384 ? 16384 : r->len - off;
			uint64_t at = a + off;
			uint16_t l16 = (uint16_t)len;

			if (a == allg->allglen)
				at = 0x1000;
			else if (a == allg->allgptr)
				at = 0x1008;
			fwrite(&at, 8, 1, f);
			fwrite(&l16, 2, 1, f);
			fwrite(r->data + off, 1, len, f);
		}
	}
	fclose(f);
}

static void test_consistency(void **state)
{
	/* The trimpath build: the same bytes as fuzz_stackdump's image. */
	const char *bin = gs_require_fixture("stackdemo/1.22/stackdemo.trimpath");
	struct recorder rc = { 0 };
	struct gs_gtarget *t;
	struct gs_dump_src src;
	struct gs_dump *d, *d2;
	struct gs_err err = { 0 };
	struct proc p;
	size_t target = SIZE_MAX;
	pid_t pidv;

	(void)state;
	gs_require_root();
	start(&p, bin, "park", NULL);
	wait_for(&p, "READY\n");
	if (gs_gtarget_open(p.pid, &t, &err) < 0)
		fail_msg("gtarget: %s", err.msg);
	src = gs_gtarget_src(t, &pidv);
	rc.pid = p.pid;
	src.mem = (struct gs_rmem){ rec_batch, &rc };
	assert_int_equal(gs_dump_read(&src, NULL, &d, &err), 0);
	seed_memory("park", 0x00, &rc, &src.allg);
	seed_memory("park-system-changing", 0x30, &rc, &src.allg);
	/* The recording replays to the same dump. */
	src.mem = (struct gs_rmem){ replay_batch, &rc };
	assert_int_equal(gs_dump_read(&src, NULL, &d2, &err), 0);
	assert_int_equal(d2->n, d->n);
	assert_int_equal(d2->nframes, d->nframes);
	for (size_t i = 0; i < d->n; i++) {
		assert_int_equal(d2->g[i].fstate, GS_FS_OK);
		assert_int_equal(d2->g[i].reads, 2);
		if (d->g[i].g.goid != 1 && target == SIZE_MAX)
			target = i;
	}
	assert_true(target != SIZE_MAX);
	gs_dump_free(d2);

	/* Stacks in many small batches (each read, checked and unwound before the next):
	 * the same frames, but the 2,000-deep stack, which is cut. */
	{
		struct gs_dump_opts small = { .snap_max = 16384, .batch_bytes = 16384 };
		unsigned cut = 0;

		assert_int_equal(gs_dump_read(&src, &small, &d2, &err), 0);
		assert_int_equal(d2->n, d->n);
		for (size_t i = 0; i < d->n; i++) {
			const struct gs_gstack *a = &d->g[i], *b = &d2->g[i];

			if (b->fstate == GS_FS_INCOMPLETE) {
				assert_non_null(strstr(b->why, "larger than"));
				cut++;
				continue;
			}
			assert_int_equal(b->fstate, GS_FS_OK);
			assert_int_equal(a->nframes, b->nframes);
			for (uint32_t k = 0; k < a->nframes; k++)
				assert_int_equal(d->frames[a->frame0 + k].pc,
						 d2->frames[b->frame0 + k].pc);
		}
		assert_int_equal(cut, 1);
		gs_dump_free(d2);
	}

	/* It moves once, while its stack is read: read again, and what it became is shown. */
	rc.gaddr = d->g[target].g.addr;
	rc.status_off = t->view.g[GS_GF_STATUS].off;
	rc.goid_off = t->view.g[GS_GF_GOID].off;
	rc.change_from = 1;
	rc.change_to = 100;
	rc.greads = 0;
	assert_int_equal(gs_dump_read(&src, NULL, &d2, &err), 0);
	assert_int_equal(d2->g[target].fstate, GS_FS_RUNNING);
	assert_int_equal(d2->st.retries, 1);
	for (size_t i = 0; i < d->n; i++)
		if (i != target)
			assert_int_equal(d2->g[i].fstate, GS_FS_OK);
	gs_dump_free(d2);

	/* It keeps moving: marked, never shown with frames. */
	rc.toggle = true;
	rc.greads = 0;
	assert_int_equal(gs_dump_read(&src, NULL, &d2, &err), 0);
	assert_int_equal(d2->g[target].fstate, GS_FS_CHANGED);
	assert_int_equal(d2->g[target].nframes, 0);
	assert_true(d2->g[target].reads >= GS_DUMP_RETRIES + 1);
	gs_dump_free(d2);

	/* No record can be read: an error, never a dump. */
	rc.toggle = false;
	for (size_t k = 0; k < rc.n; k++)
		if (rc.r[k].len > 200)	/* records and stacks, not allglen/allgptr */
			rc.r[k].len = 1;
	assert_int_equal(gs_dump_read(&src, NULL, &d2, &err), -1);
	assert_null(d2);

	for (size_t k = 0; k < rc.n; k++)
		free(rc.r[k].data);
	free(rc.r);
	gs_dump_free(d);
	gs_gtarget_close(t);
	proc_free(&p);
}

/* A process that is gone gives an error, not a dump. */
static void test_gone(void **state)
{
	const char *bin = gs_require_fixture("stackdemo/1.22/stackdemo");
	struct gs_gtarget *t;
	struct gs_dump_src src;
	struct gs_dump *d;
	struct gs_err err = { 0 };
	struct proc p;
	pid_t pidv;

	(void)state;
	gs_require_root();
	start(&p, bin, "many", "100");
	wait_for(&p, "READY\n");
	if (gs_gtarget_open(p.pid, &t, &err) < 0)
		fail_msg("gtarget: %s", err.msg);
	src = gs_gtarget_src(t, &pidv);
	stop(&p, SIGKILL);
	assert_int_equal(gs_dump_read(&src, NULL, &d, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_null(d);
	gs_gtarget_close(t);
	proc_free(&p);
}

/* --freeze: the spinning goroutines get frames from their threads' registers. */
static void test_freeze(void **state)
{
	const char *bin = gs_require_fixture("stackdemo/1.22/stackdemo");
	struct gs_dump_opts o = { .frozen = true };
	struct gs_gtarget *t;
	struct gs_dump_src src;
	struct gs_freeze fz;
	struct gs_dump *d;
	struct gs_err err = { 0 };
	struct proc p;
	unsigned spinning = 0;
	pid_t pidv;

	(void)state;
	gs_require_root();
	start(&p, bin, "count", "100000");
	wait_for(&p, "10\n");
	assert_int_equal(gs_gtarget_open(p.pid, &t, &err), 0);
	src = gs_gtarget_src(t, &pidv);
	if (gs_freeze(p.pid, &fz, &err) < 0)
		fail_msg("freeze: %s", err.msg);
	assert_true(fz.n >= 2 && fz.nregs == fz.n);
	o.threads = fz.regs;
	o.nthreads = fz.nregs;
	assert_int_equal(gs_dump_read(&src, &o, &d, &err), 0);
	gs_thaw(&fz);
	assert_true(fz.stopped_ns > 0);
	for (size_t i = 0; i < d->n; i++) {
		const struct gs_gstack *g = &d->g[i];
		struct gs_funcinfo fi;

		if (g->fstate == GS_FS_RUNNING)
			fail_msg("goroutine %" PRIu64 " running without frames while frozen", g->g.goid);
		if (g->regsrc != GS_RS_THREAD)
			continue;
		assert_int_equal(g->fstate, GS_FS_OK);
		assert_int_equal(gs_sym_func(t->sym, d->frames[g->frame0].pc - t->bias, &fi), 0);
		spinning += !strcmp(fi.name, "main.spin");
	}
	/* Both spinners run unless the scheduler parked one at that instant. */
	assert_true(spinning >= 1);
	gs_dump_free(d);
	/* It runs on: more lines come. */
	{
		char want[32];
		unsigned long last = 0;
		const char *nl = p.text + p.len - 1;

		while (nl > p.text && nl[-1] != '\n')
			nl--;
		last = strtoul(nl, NULL, 10);
		snprintf(want, sizeof(want), "\n%lu\n", last + 100);
		wait_for(&p, want);
	}
	gs_gtarget_close(t);
	proc_free(&p);
}

/* ---- the text parser ---- */

static void test_parse(void **state)
{
	static const char dump[] =
		"goroutine 1 [running]:\n"
		"main.main()\n"
		"\t/src/main.go:10 +0x1d\n"
		"\n"
		"goroutine 7 gp=0xc000007340 m=nil [chan receive, 3 minutes, locked to thread]:\n"
		"main.(*T).wait[...](0xc000010000, {0x1, 0x2})\n"
		"\t/src/t.go:22 +0x45 fp=0xc00004e7d0 sp=0xc00004e7b0 pc=0x4a1b25\n"
		"main.inl(...)\n"
		"\t/src/t.go:30\n"
		"...12 frames elided...\n"
		"runtime.goexit({})\n"
		"\t/go/src/runtime/asm_amd64.s:1700 +0x1\n"
		"created by main.start in goroutine 1\n"
		"\t/src/main.go:8 +0x25\n"
		"\n"
		"goroutine 9 [running]:\n"
		"\tgoroutine running on other thread; stack unavailable\n"
		"created by main.start\n"
		"\t/src/main.go:9 +0x31\n"
		"\n"
		"goroutine 10 [select] {trace: x}:\n"
		"main.f()\n"
		"\t/a b/c:d.go:5\n"
		"...additional frames elided...\n"
		"garbage line\n";
	struct gs_err err = { 0 };
	const struct gs_tx_goroutine *g;
	struct gs_tx tx;

	(void)state;
	assert_int_equal(gs_tx_parse(dump, sizeof(dump) - 1, &tx, &err), 0);
	assert_int_equal(tx.n, 4);
	g = gs_tx_find(&tx, 7);
	assert_non_null(g);
	assert_true(gs_tx_eq(g->status, "chan receive"));
	assert_int_equal(g->minutes, 3);
	assert_true(g->locked);
	assert_true(gs_tx_eq(g->extra, "gp=0xc000007340 m=nil"));
	assert_int_equal(g->nframes, 3);
	assert_true(gs_tx_eq(tx.fr[g->frame0].func, "main.(*T).wait[...]"));
	assert_true(gs_tx_eq(tx.fr[g->frame0].args, "0xc000010000, {0x1, 0x2}"));
	assert_true(tx.fr[g->frame0].has_fpsp);
	assert_int_equal(tx.fr[g->frame0].sp, 0xc00004e7b0);
	assert_int_equal(tx.fr[g->frame0].off, 0x45);
	assert_false(tx.fr[g->frame0 + 1].has_off);
	assert_int_equal(tx.fr[g->frame0 + 1].line, 30);
	assert_int_equal(g->elided, 12);
	assert_int_equal(g->elided_at, 2);
	assert_true(g->has_creator);
	assert_int_equal(g->creator_goid, 1);
	assert_int_equal(g->creator_at.off, 0x25);
	g = gs_tx_find(&tx, 9);
	assert_true(gs_tx_eq(g->note, "goroutine running on other thread; stack unavailable"));
	assert_int_equal(g->nframes, 0);
	assert_int_equal(g->creator_goid, 0);
	g = gs_tx_find(&tx, 10);
	assert_true(gs_tx_eq(tx.fr[g->frame0].file, "/a b/c:d.go"));
	assert_int_equal(tx.fr[g->frame0].line, 5);
	assert_int_equal(g->elided, -1);
	assert_int_equal(tx.skipped, 1);
	gs_tx_free(&tx);

	/* Nothing of the format: no goroutines, no error. */
	assert_int_equal(gs_tx_parse("goroutine x [a]:\nfoo\n", 21, &tx, &err), 0);
	assert_int_equal(tx.n, 0);
	gs_tx_free(&tx);
}

/* ---- the release rules ---- */

static void test_names(void **state)
{
	(void)state;
	assert_true(gs_trace_name_shown("main.main", 22));
	assert_true(gs_trace_name_shown("runtime.Gosched", 15));
	assert_false(gs_trace_name_shown("runtime.gopark", 27));
	assert_false(gs_trace_name_shown("nodot", 27));
	/* isExportedRuntime looks at the receiver from 1.23 on. */
	assert_false(gs_trace_name_shown("runtime.(*Func).Name", 22));
	assert_true(gs_trace_name_shown("runtime.(*Func).Name", 23));
	assert_false(gs_trace_name_shown("runtime.(*fn).Name", 23));
	assert_false(gs_trace_name_shown("runtime.Frames.next", 23));
	assert_true(gs_trace_name_shown("runtime.Frames.Next", 23));
	assert_true(gs_trace_name_shown("runtime.Frames.next", 22));
}

/* Elision on a synthetic stack of n visible frames (main.deep's call site). */
static void elision(struct gs_gtarget *t, unsigned minor, size_t n, int64_t want_elided,
		    size_t want_frames)
{
	struct gs_gview v = t->view;
	struct gs_trace_ctx c = { .sym = t->sym, .v = &v, .bias = 0, .level = GS_TB_USER,
				  .quantum = 1 };
	struct gs_dump d = { 0 };
	struct gs_gstack gs = { 0 };
	struct gs_trace tr;
	struct gs_func fn;
	struct gs_pclntab pt;

	v.minor = minor;
	assert_int_equal(gs_pcln_find(&t->e, &pt), 0);
	assert_int_equal(gs_pcln_lookup(&t->e, &pt, "main.deep", &fn), 0);
	d.frames = calloc(n, sizeof(*d.frames));
	assert_non_null(d.frames);
	for (size_t k = 0; k < n; k++)
		d.frames[k] = (struct gs_pframe){ .pc = fn.entry + 0x10, .sp = 0x1000 + 8 * k };
	gs.fstate = GS_FS_OK;
	gs.nframes = (uint32_t)n;
	gs.g.goid = 5;
	gs.g.status = GS_G_WAITING;
	d.g = &gs;
	d.n = 1;
	gs_trace_init(&tr);
	assert_int_equal(gs_trace_build(&c, &d, 0, &tr), 0);
	if (tr.elided != want_elided || tr.n != want_frames)
		fail_msg("go1.%u, %zu frames: %zu printed, elided %" PRId64 "; want %zu, %" PRId64,
			 minor, n, tr.n, tr.elided, want_frames, want_elided);
	if (want_elided > 0)
		assert_int_equal(tr.split, 50);
	gs_trace_free(&tr);
	free(d.frames);
}

/* The header's parts, and the creator, on a synthetic goroutine. */
static void header_is(struct gs_gtarget *t, unsigned minor, const struct gs_g *g, const char *want)
{
	struct gs_gview v = t->view;
	struct gs_trace_ctx c = { .sym = t->sym, .v = &v, .bias = t->bias, .level = GS_TB_USER,
				  .now = 1000LL * 60000000000LL, .quantum = 1 };
	struct gs_gstack gs = { .g = *g, .fstate = GS_FS_RUNNING, .tid = 42, .mid = -1 };
	struct gs_dump d = { .g = &gs, .n = 1 };
	struct gs_tbuf b = { 0 };
	struct gs_trace tr;

	v.minor = minor;
	gs_trace_init(&tr);
	assert_int_equal(gs_trace_build(&c, &d, 0, &tr), 0);
	gs_trace_text(&c, &d, 0, &tr, &b);
	if (strcmp(b.p, want))
		fail_msg("go1.%u: got\n%s\nwant\n%s", minor, b.p, want);
	gs_trace_free(&tr);
	gs_tbuf_free(&b);
}

static void test_header(void **state)
{
	const char *bin = gs_require_fixture("stackdemo/1.22/stackdemo");
	struct gs_gtarget *t;
	struct gs_err err = { 0 };
	struct gs_pclntab pt;
	struct gs_func fn;
	struct proc p;
	unsigned chanrecv = 0;
	struct gs_g g = { 0 };
	char want[1024];

	(void)state;
	gs_require_root();
	start(&p, bin, "many", "1");
	wait_for(&p, "READY\n");
	assert_int_equal(gs_gtarget_open(p.pid, &t, &err), 0);
	assert_non_null(t->view.wait);
	for (unsigned k = 0; k < t->view.nwait; k++)
		if (t->view.wait[k] && !strcmp(t->view.wait[k], "chan receive"))
			chanrecv = k;
	assert_true(chanrecv > 0);
	assert_int_equal(gs_pcln_find(&t->e, &pt), 0);
	assert_int_equal(gs_pcln_lookup(&t->e, &pt, "main.many", &fn), 0);

	/* waiting 3.5 minutes, locked, being scanned, created by main.many in goroutine 7 */
	g.goid = 5;
	g.status = GS_G_WAITING | GS_G_SCAN;
	g.has_waitreason = g.has_waitsince = g.has_lockedm = g.has_parent = true;
	g.waitreason = chanrecv;
	g.waitsince = 1000LL * 60000000000LL - 210LL * 1000000000LL;
	g.lockedm = 0xc000001000;
	g.parent_goid = 7;
	g.gopc = fn.entry + 0x20 + t->bias;
	{
		struct gs_funcinfo fi;
		const char *file;
		int32_t line;

		assert_int_equal(gs_sym_func(t->sym, fn.entry + 0x20, &fi), 0);
		gs_sym_fileline(t->sym, &fi, fn.entry + 0x1f, &file, &line);
		snprintf(want, sizeof(want), "goroutine 5 [chan receive (scan), 3 minutes, locked to "
			 "thread]:\n\tframes unavailable: running on thread 42\ncreated by main.many in "
			 "goroutine 7\n\t%s:%d +0x20\n", file, (int)line);
		header_is(t, 22, &g, want);
		/* before 1.21: no "in goroutine" */
		snprintf(want, sizeof(want), "goroutine 5 [chan receive (scan), 3 minutes, locked to "
			 "thread]:\n\tframes unavailable: running on thread 42\ncreated by main.many\n"
			 "\t%s:%d +0x20\n", file, (int)line);
		header_is(t, 19, &g, want);
	}
	/* under a minute, no reason, not locked; goroutine 1 has no creator */
	memset(&g, 0, sizeof(g));
	g.goid = 1;
	g.status = GS_G_WAITING;
	g.has_waitsince = true;
	g.waitsince = 1000LL * 60000000000LL - 59LL * 1000000000LL;
	header_is(t, 22, &g, "goroutine 1 [waiting]:\n\tframes unavailable: running on thread 42\n");
	/* minutes only while waiting or in a syscall */
	g.status = GS_G_RUNNABLE;
	g.waitsince = 1;
	header_is(t, 22, &g, "goroutine 1 [runnable]:\n\tframes unavailable: running on thread 42\n");
	g.status = GS_G_SYSCALL;
	header_is(t, 22, &g, "goroutine 1 [syscall, 999 minutes]:\n\tframes unavailable: running on thread 42\n");
	/* unused and unknown status values, as gStatusStrings prints them */
	g.waitsince = 0;
	g.status = 5;
	header_is(t, 22, &g, "goroutine 1 []:\n\tframes unavailable: running on thread 42\n");
	g.status = GS_G_LEAKED;
	header_is(t, 22, &g, "goroutine 1 [???]:\n\tframes unavailable: running on thread 42\n");
	header_is(t, 26, &g, "goroutine 1 [leaked (leaked)]:\n\tframes unavailable: running on thread 42\n");
	/* a reason past the table */
	g.status = GS_G_WAITING;
	g.has_waitreason = true;
	g.waitreason = 250;
	header_is(t, 22, &g, "goroutine 1 [unknown wait reason]:\n\tframes unavailable: running on thread 42\n");
	gs_gtarget_close(t);
	proc_free(&p);
}

static void test_elision(void **state)
{
	const char *bin = gs_require_fixture("stackdemo/1.22/stackdemo");
	struct gs_gtarget *t;
	struct gs_err err = { 0 };
	struct proc p;

	(void)state;
	gs_require_root();
	start(&p, bin, "many", "1");
	wait_for(&p, "READY\n");
	assert_int_equal(gs_gtarget_open(p.pid, &t, &err), 0);
	/* 1.21+: all up to 100, else the first 50, "...N frames elided...", the last 50. */
	elision(t, 22, 49, 0, 49);
	elision(t, 22, 50, 0, 50);
	elision(t, 22, 51, 0, 51);
	elision(t, 22, 100, 0, 100);
	elision(t, 22, 101, 1, 100);
	elision(t, 22, 2001, 1901, 100);
	/* <= 1.20: the first 100 physical frames; exactly 100 printed says more were cut. */
	elision(t, 19, 99, 0, 99);
	elision(t, 19, 100, -1, 100);
	elision(t, 19, 2001, -1, 100);
	gs_gtarget_close(t);
	proc_free(&p);
}

/* ---- hostile records ---- */

static void test_hostile(void **state)
{
	struct gs_rt_offsets o;
	struct gs_gview v;
	struct gs_err err = { 0 };
	uint8_t rec[GS_G_REC_MAX];
	struct gs_g g;

	(void)state;
	assert_int_equal(gs_rt_offsets_table("go1.22.12", EM_X86_64, &o, &err), 0);
	assert_int_equal(gs_gview_init(&v, &o, 22, EM_X86_64, &err), 0);
	assert_true(v.g_len > 0 && v.g_len <= GS_G_REC_MAX);
	memset(rec, 0xff, sizeof(rec));
	gs_g_decode(&v, 0x1000, rec, &g);
	assert_int_equal(g.goid, UINT64_MAX);
	assert_int_equal(gs_g_base_status(&v, g.status), 0xffffffffu & ~0x1000u);
	assert_string_equal(gs_gstatus_name(&v, 5), "");
	assert_string_equal(gs_gstatus_name(&v, 10), "???");
	v.minor = 26;
	assert_string_equal(gs_gstatus_name(&v, 10), "leaked");
	assert_string_equal(gs_gstatus_name(&v, 12), "???");
	/* A layout that lacks a needed field is refused with its name. */
	o.f[GS_RT_G_GOID].known = false;
	assert_int_equal(gs_gview_init(&v, &o, 22, EM_X86_64, &err), -1);
	assert_non_null(strstr(err.msg, "goid"));
	/* A layout whose status values differ is refused. */
	assert_int_equal(gs_rt_offsets_table("go1.22.12", EM_X86_64, &o, &err), 0);
	o.c[GS_RT_C_GRUNNING] = (struct gs_rt_cval){ true, 7 };
	assert_int_equal(gs_gview_init(&v, &o, 22, EM_X86_64, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_elision),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_consistency),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_ground_truth_1_15),
		cmocka_unit_test(test_ground_truth_1_19),
		cmocka_unit_test(test_ground_truth_1_21),
		cmocka_unit_test(test_ground_truth_1_22),
		cmocka_unit_test(test_ground_truth_1_23),
		cmocka_unit_test(test_ground_truth_1_24),
		cmocka_unit_test(test_ground_truth_1_25),
		cmocka_unit_test(test_ground_truth_1_26),
		cmocka_unit_test(test_ground_truth_1_27),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
