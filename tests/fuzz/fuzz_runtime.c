/* SPDX-License-Identifier: MIT */
/*
 * The parsers behind agentless reads: /proc/PID/maps (load bias), DWARF
 * .debug_info/.debug_abbrev (struct offsets), and the x86 code scans over a
 * binary's functions (RET search, ncpu and gomaxprocs finders), and DWARF
 * found in a whole ELF image, where sections come zlib-compressed
 * (SHF_COMPRESSED or legacy .zdebug_*) and are inflated in chunks under the
 * DWARF budget (lowered to 32 MiB in fuzz builds), with the layout lookup
 * and the wait-reason names read from the image's data; the data-reference
 * scans of x86-64 and arm64 code (coderef.h) and the rules that name runtime
 * globals and gcount's counters from them (rtglobals.h) over whole ELF
 * images, with and without a runtime layout. All of it comes from files and
 * processes other users control. The first byte selects the parser.
 */
#include "classify.h"
#include "goelf.h"
#include "arm64scan.h"
#include "liveread.h"
#include "rtglobals.h"
#include "rtlayout_int.h"
#include "rtoffsets.h"
#include "x86scan.h"

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

/* A bare little-endian ELF64 header: byte order and pointer size for DWARF. */
static const struct gs_elf *tiny_elf(void)
{
	static uint8_t hdr[64];
	static struct gs_elf e;
	static int done;
	const char *why;

	if (!done) {
		memcpy(hdr, ELFMAG, SELFMAG);
		hdr[EI_CLASS] = ELFCLASS64;
		hdr[EI_DATA] = ELFDATA2LSB;
		hdr[EI_VERSION] = EV_CURRENT;
		hdr[16] = ET_EXEC;
		hdr[18] = EM_X86_64;
		gs_elf_parse(&e, hdr, sizeof(hdr), &why);
		done = 1;
	}
	return &e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 1;
	size_t n = size ? size - 1 : 0;
	struct gs_rt_offsets off;
	struct gs_pclntab t;
	struct gs_err err;
	struct gs_elf e;
	uint64_t rets[64], addr, bias;
	static struct gs_cref refs[512];
	const char *why;

	if (size < 1)
		return 0;
	switch (data[0] % 8) {
	case 0: {
		struct gs_phdr loads[2] = {
			{ .type = PT_LOAD, .flags = PF_R | PF_X, .off = 0, .vaddr = 0x400000,
			  .filesz = 0x1000, .memsz = 0x1000, .align = 0x1000 },
			{ .type = PT_LOAD, .flags = PF_R | PF_W, .off = 0x1000, .vaddr = 0x401000,
			  .filesz = 0x800, .memsz = 0x2000, .align = 0x1000 },
		};
		FILE *f = fmemopen((void *)p, n, "r");

		if (f) {
			gs_maps_bias(f, makedev(8, 1), 1234, loads, 2, ET_DYN, &bias, &err);
			fclose(f);
		}
		break;
	}
	case 1: {
		/* first two bytes: where .debug_info ends and .debug_abbrev starts */
		size_t cut = n >= 2 ? ((size_t)p[0] | (size_t)p[1] << 8) : 0;

		if (n < 2)
			break;
		p += 2;
		n -= 2;
		if (cut > n)
			cut = n;
		gs_rt_offsets_dwarf_raw(tiny_elf(), p, cut, p + cut, n - cut, &off, &err);
		break;
	}
	case 2:
		gs_x86_rets(p, n, 0x401000, rets, 64, &err);
		break;
	case 3:
		if (gs_elf_parse(&e, p, n, &why) < 0 || gs_pcln_find(&e, &t) < 0)
			break;
		{
			struct gs_moduledata md;

			gs_moduledata_find(&e, &t, &md);
		}
		gs_x86_find_ncpu(&e, &t, &addr, &err);
		gs_x86_find_gomaxprocs(&e, &t, &addr, &err);
		break;
	case 4:
		if (gs_elf_parse(&e, p, n, &why) == 0) {
			static char names[64][GS_RT_WAITNAME];
			unsigned nw;

			gs_rt_offsets_find(&e, "go1.19.8", &off, &err);
			gs_rt_waitreasons_image(&e, names, 64, &nw, &err);
		}
		break;
	case 5:
		/* raw code, both machines: references never past the output */
		gs_x86_refs(p, n, 0x401000, refs, 512, &err);
		gs_arm64_refs(p, n, 0x11000, refs, 512, &err);
		break;
	case 6:
	case 7: {
		/* a whole image: every rule, with the layout its DWARF or the table gives (7) */
		static struct gs_rt_offsets lo;
		struct gs_rt_globals g;
		struct gs_rtg_gcount gc;
		struct gs_moduledata md;
		bool have_lo = false;

		if (gs_elf_parse(&e, p, n, &why) < 0 || gs_pcln_find(&e, &t) < 0)
			break;
		if (!t.text_known)
			gs_moduledata_find(&e, &t, &md);
		if (data[0] % 8 == 7)
			have_lo = gs_rt_offsets_find(&e, "go1.21.13", &lo, &err) == 0;
		gs_rt_globals_find(&e, &t, have_lo ? &lo : NULL, &g);
		gs_rt_gcount_code(&e, &t, &gc);
		break;
	}
	}
	return 0;
}
