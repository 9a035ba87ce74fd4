/* SPDX-License-Identifier: MIT */
/*
 * capdec: one capstone decoder with instruction details over a byte range,
 * as the machine-code scanners (x86scan.c, arm64scan.c) open and close it.
 * Each scanner steps through the range itself (cs_disasm_iter on h, code,
 * left and pc), since what an undecodable byte means differs per machine.
 */
#ifndef GOSCOPE_CAPDEC_H
#define GOSCOPE_CAPDEC_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

struct gs_capdec {
	csh h;
	cs_insn *insn;		/* the instruction decoded last */
	const uint8_t *code;	/* what is left to decode, at address pc */
	size_t left;
	uint64_t pc;
};

/* A decoder for arch/mode (machine names it in errors) at code[0..len), address pc. */
int gs_capdec_open(struct gs_capdec *d, cs_arch arch, cs_mode mode, const char *machine,
		   const uint8_t *code, size_t len, uint64_t pc, struct gs_err *err);
void gs_capdec_close(struct gs_capdec *d);

#endif
