/* SPDX-License-Identifier: MIT */
/* Private state of gosym.c and gosym_tab.c (the symbolizer). */
#ifndef GOSCOPE_GOSYM_INT_H
#define GOSCOPE_GOSYM_INT_H

#include "gosym.h"
#include "pclntab_int.h"

#define SYM_FUNC_CACHE 4096		/* pc -> decoded function, direct mapped */
#define SYM_PCV_SETS 4096		/* (table, pc) -> value, 2-way */
#define SYM_PCV_WAYS 2
#define SYM_MAX_NPCDATA 1024		/* real functions have < 10 tables */
#define SYM_MAX_INL_INDEX (1u << 20)	/* the runtime's own view of the tree */
#define SYM_STR_MAX 4096u		/* longest name or file name read */

struct sym_fslot {
	uint64_t pc;
	bool used;
	struct gs_funcinfo fi;
};

struct sym_pcv {
	uint64_t pc, start;
	uint64_t rec;			/* the function's record: tables are per function */
	uint32_t off;
	int32_t val;
	bool used;
};

struct sym_inl {
	uint8_t funcid;
	bool pad_ok;
	int32_t nameoff, parent_pc, start_line;
};

struct gs_sym {
	struct gs_elf e;
	struct gs_pclntab t;
	struct gs_moduledata md;
	bool have_md;
	uint64_t text;			/* base of 1.18+ entry offsets */
	uint64_t minpc, maxpc;
	uint64_t gofunc;		/* funcdata base, 1.18+ (0: unknown) */
	bool flags_valid, inline_ok;
	unsigned inl_fd;		/* FUNCDATA index of the inline tree */
	int wrapper_id;
	uint64_t pctab_base, pctab_end;	/* pc-value tables, as table offsets */
	uint64_t names_start, names_end;
	enum gs_fkind id_kind[256];	/* this binary's funcID numbers */
	struct sym_fslot fcache[SYM_FUNC_CACHE];
	struct sym_pcv pcv[SYM_PCV_SETS][SYM_PCV_WAYS];
	unsigned pcv_victim;
	struct gs_sym_stats st;
};

uint64_t sym_entry_pc(const struct gs_sym *s, uint64_t raw);
bool sym_funcid_at(const struct gs_sym *s, uint64_t i, uint8_t *funcid, uint8_t *flag);
bool sym_decode(struct gs_sym *s, uint64_t i, struct gs_funcinfo *fi);
enum gs_fkind sym_kind(const struct gs_sym *s, uint64_t index, uint8_t funcid);
bool sym_pcvalue_decode(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t off, uint64_t target,
			int32_t *val, uint64_t *start);
bool sym_pcdata_off(const struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t table, uint32_t *off);
const char *sym_str(const struct gs_sym *s, uint64_t off, uint64_t end);
const char *sym_name_at(const struct gs_sym *s, int32_t nameoff);
bool sym_inl_record(const struct gs_sym *s, uint64_t tree, int32_t ix, struct sym_inl *out);

#endif
