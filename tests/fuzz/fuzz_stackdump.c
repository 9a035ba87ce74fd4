/* SPDX-License-Identifier: MIT */
/*
 * The goroutine dump on hostile target memory: allgs, g and m records and
 * stacks all come from the input; the executable is a real one (its
 * pclntab is fuzzed by fuzz_unwind and fuzz_goelf), stackdemo built by Go
 * 1.22 with -trimpath, the same bytes in every checkout:
 * $GOSCOPE_FUZZ_STACK_IMAGE, else $GOSCOPE_FIXTURES (or build/fixtures)
 * /stackdemo/1.22/stackdemo.trimpath.
 *
 *	[u8 sel] then records [u64 addr][u16 len][len bytes] ... (little-endian)
 *
 * The records are the target's memory (a read inside one is served, others
 * fail); allglen is at 0x1000, allgptr at 0x1008, allgs' header at 0x1010,
 * and with sel bit 0 (frozen) four threads' (tid, pc, sp) at 0x2000. sel:
 * bit 1 allgs instead of allgptr; bits 2-3 the layout (Go 1.22, 1.15, 1.27,
 * 1.19 table rows); bit 4 the system level; bit 5 memory that changes on
 * every read; bits 6-7 retries (bit 6, frozen: stacks unwound from copies
 * after on_read). Every listed goroutine is then printed, and
 * the text parsed back: it must give exactly the goroutines listed.
 * Work budget: 256 goroutines, 64 KiB per stack, 256 KiB of stacks per
 * batch, 4096 frames per goroutine, 32768 in all.
 *
 * Seeds: tests/fuzz/seeds/fuzz_stackdump (memory recorded from the live
 * fixture by test_stackdump with GOSCOPE_WRITE_FUZZ_SEEDS=DIR).
 */
#include "goroutines.h"
#include "gosym.h"
#include "gtext.h"
#include "gtrace.h"
#include "stackdump.h"

#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define G_ALLGLEN 0x1000
#define G_ALLGPTR 0x1008
#define G_ALLGS 0x1010
#define G_THREADS 0x2000

static struct gs_elf elf;
static struct gs_sym *sym;

struct rec {
	uint64_t addr;
	const uint8_t *p;
	uint16_t len;
};

struct mem {
	struct rec r[4096];
	size_t n;
	bool changing;
	unsigned calls;
};

static int batch(void *ctx, struct gs_memrange *mr, size_t n)
{
	struct mem *m = ctx;

	m->calls++;
	for (size_t i = 0; i < n; i++) {
		mr[i].got = 0;
		for (size_t k = m->n; k-- > 0;) {
			const struct rec *r = &m->r[k];
			size_t avail;

			if (mr[i].addr < r->addr || mr[i].addr - r->addr >= r->len)
				continue;
			avail = r->len - (size_t)(mr[i].addr - r->addr);
			mr[i].got = mr[i].len < avail ? mr[i].len : avail;
			memcpy(mr[i].buf, r->p + (mr[i].addr - r->addr), mr[i].got);
			if (m->changing && mr[i].got)
				((uint8_t *)mr[i].buf)[(m->calls * 7 + i) % mr[i].got] ^= (uint8_t)m->calls;
			break;
		}
	}
	return (int)(n ? 1 : 0);
}

static const char *image_path(void)
{
	static char buf[4096];
	const char *p = getenv("GOSCOPE_FUZZ_STACK_IMAGE"), *fx = getenv("GOSCOPE_FIXTURES");

	if (p && *p)
		return p;
	snprintf(buf, sizeof(buf), "%s/stackdemo/1.22/stackdemo.trimpath",
		 fx && *fx ? fx : "build/fixtures");
	return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = image_path(), *why = NULL;
	struct gs_err err = { 0 };
	struct stat st;
	void *map;
	int fd;

	(void)argc;
	(void)argv;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "fuzz_stackdump: cannot open %s (make fixtures)\n", path);
		exit(1);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED || gs_elf_parse(&elf, map, (size_t)st.st_size, &why) < 0 ||
	    gs_sym_open(&sym, &elf, &err) < 0) {
		fprintf(stderr, "fuzz_stackdump: %s: not a usable image\n", path);
		exit(1);
	}
	return 0;
}

static void on_read(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const versions[4] = { "go1.22.12", "go1.15.15", "go1.27.4", "go1.19.8" };
	static struct mem m;
	struct gs_thread_regs th[4];
	struct gs_dump_opts o = {
		.max_goroutines = 256, .snap_max = 64 << 10, .batch_bytes = 256 << 10,
		.max_frames = 4096, .total_frames = 1 << 15,
	};
	struct gs_rt_offsets off;
	struct gs_gview v;
	struct gs_err err = { 0 };
	struct gs_dump *d = NULL;
	struct gs_dump_src src;
	struct gs_trace_ctx c;
	struct gs_tbuf b = { 0 };
	struct gs_trace t;
	struct gs_tx tx;
	size_t pos = 1, listed = 0;
	unsigned thawed = 0;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	m.n = 0;
	m.calls = 0;
	m.changing = sel & 0x20;
	while (pos + 10 <= size && m.n < sizeof(m.r) / sizeof(m.r[0])) {
		struct rec *r = &m.r[m.n];

		r->addr = rd64(data + pos);
		r->len = (uint16_t)(data[pos + 8] | data[pos + 9] << 8);
		pos += 10;
		if (r->len > size - pos)
			r->len = (uint16_t)(size - pos);
		r->p = data + pos;
		pos += r->len;
		m.n++;
	}
	if (gs_rt_offsets_table(versions[(sel >> 2) & 3], EM_X86_64, &off, &err) < 0 ||
	    gs_gview_init(&v, &off, (unsigned[]){ 22, 15, 27, 19 }[(sel >> 2) & 3], EM_X86_64,
			  &err) < 0)
		return 0;
	src = (struct gs_dump_src){
		.mem = { batch, &m },
		.sym = sym,
		.view = &v,
		.allg = { .allglen = G_ALLGLEN,
			  .allgptr = (sel & 2) ? 0 : G_ALLGPTR,
			  .allgs = (sel & 2) ? G_ALLGS : 0 },
	};
	if (sel & 1) {
		struct gs_memrange mr = { .addr = G_THREADS, .len = sizeof(uint64_t) * 12 };
		uint64_t w[12] = { 0 };

		mr.buf = w;
		batch(&m, &mr, 1);
		for (int k = 0; k < 4; k++)
			th[k] = (struct gs_thread_regs){ (int64_t)w[3 * k],
							 { .pc = w[3 * k + 1], .sp = w[3 * k + 2] } };
		o.frozen = true;
		o.threads = th;
		o.nthreads = 4;
		/* half the frozen runs unwind copies after "letting go" */
		if (sel & 0x40) {
			o.on_read = on_read;
			o.on_read_ctx = &thawed;
		}
	}
	o.retries = 1 + (sel >> 6);
	if (gs_dump_read(&src, &o, &d, &err) < 0)
		return 0;
	if (o.on_read && thawed != 1)
		__builtin_trap();	/* called exactly once on success */

	c = (struct gs_trace_ctx){ .sym = sym, .v = &v, .level = (sel & 0x10) ? GS_TB_SYSTEM :
								GS_TB_USER,
				   .now = 1000000000000LL, .quantum = 1 };
	gs_trace_init(&t);
	for (size_t i = 0; i < d->n; i++) {
		if (!gs_trace_listed(&d->g[i], c.level))
			continue;
		if (gs_trace_build(&c, d, i, &t) < 0)
			break;
		if (listed++)
			gs_tbuf_puts(&b, "\n");
		gs_trace_text(&c, d, i, &t, &b);
	}
	gs_trace_free(&t);
	/* What goscope printed reads back as the same goroutines. */
	if (!b.oom && listed && gs_tx_parse(b.p, b.len, &tx, &err) == 0) {
		if (tx.n != listed) {
			fprintf(stderr, "printed %zu goroutines, parsed %zu:\n%s\n", listed, tx.n, b.p);
			__builtin_trap();
		}
		gs_tx_free(&tx);
	}
	gs_tbuf_free(&b);
	gs_dump_free(d);
	return 0;
}
