/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * CPU profiles of Go programs: the maps bpf/cpuprofile.bpf.c fills and user
 * space reads. Included by both sides, so only plain C types; every struct
 * is made of naturally aligned fields without implicit padding, so both
 * sides agree on the layout.
 *
 * One perf event per CPU (software cpu-clock, one sample per 10 ms of CPU
 * time) runs gs_cpu_sample. A sample of a tracked process (gs_cp_procs)
 * records the user stack through the frame-pointer chain into the stack
 * map and adds one to the count of its key; identical stacks are counted
 * in the kernel, never sent to user space one by one. A stack the stack
 * map refuses (another stack in its hash bucket) is counted by its full
 * contents in the spill map instead, so collisions lose nothing.
 *
 * The leaf's caller: a frame-pointer walk starts at the leaf's pc and then
 * follows BP. A Go leaf without a frame of its own (frame size 0, and any
 * function before its prologue has set BP or after its epilogue restored
 * it) leaves BP pointing at its caller's frame, so the walk goes straight
 * to the caller's caller and the caller is missing. For that, user space
 * loads each Go binary's SP-delta table (from pclntab's pcsp tables) into
 * gs_cp_sptab; the program looks the leaf's pc up, and when BP does not
 * point at the leaf's own frame it reads the return address at
 * SP + delta and puts it in the key (gs_cp_key.caller). User space puts
 * that frame back between the leaf and the rest of the chain.
 */
#ifndef GOSCOPE_BPF_CPUPROFILE_H
#define GOSCOPE_BPF_CPUPROFILE_H

typedef unsigned int gs_u32;
typedef int gs_s32;
typedef unsigned long long gs_u64;

/* Frames kept per stack: the kernel's default perf_event_max_stack. */
#define GS_CP_MAX_DEPTH		127
/* Processes profiled at once (gs_cp_procs). */
#define GS_CP_MAX_PROCS		8192
/* Binary-search steps over one binary's SP-delta table: up to 2^24 entries. */
#define GS_CP_SEARCH_STEPS	24
#define GS_CP_MAX_SPTAB		(1u << 24)

/*
 * One profiled process (key: tgid in the initial PID namespace). Its
 * presence in gs_cp_procs is the filter; slot names this registration in
 * the count keys, so a recycled tgid never merges two processes.
 */
struct gs_cp_proc {
	gs_u64 text_lo;		/* run-time address of the SP table's first pc */
	gs_u64 text_len;	/* bytes covered by the table (0: no table) */
	gs_u32 slot;		/* user space's index of this process */
	gs_u32 sp_first;	/* its binary's first entry in gs_cp_sptab */
	gs_u32 sp_count;	/* entries (0: no table: the chain is taken as it is) */
	gs_u32 reserved;
};

/*
 * One entry of an SP-delta table: from text_lo + off up to the next
 * entry's off, the stack pointer sits delta bytes below the address of the
 * function's return address (Go's pcsp value). delta < 0: no Go function
 * there (padding, or a gap in the table).
 */
struct gs_cp_spent {
	gs_u32 off;
	gs_s32 delta;
};

/* The aggregation key of gs_cp_counts. */
struct gs_cp_key {
	gs_u32 slot;		/* gs_cp_proc.slot */
	gs_s32 stack_id;	/* the user stack in gs_cp_stacks; < 0: not recorded */
	gs_u64 pc;		/* stack_id < 0: the leaf's pc (a one-frame stack); else 0 */
	gs_u64 caller;		/* the leaf's return address when the chain skips it, else 0 */
};

/*
 * The key of gs_cp_spill: a sample whose stack the stack map could not
 * take (its hash bucket held another stack), counted by the whole stack
 * instead. ips is zero-filled past the last frame.
 */
struct gs_cp_spill_key {
	gs_u32 slot;
	gs_u32 reserved;
	gs_u64 caller;		/* as in gs_cp_key */
	gs_u64 ips[GS_CP_MAX_DEPTH];
};

/* Global counters (array map gs_cp_stats, one u64 each, summed over CPUs). */
enum gs_cp_stat {
	GS_CPS_SAMPLES = 0,	/* samples of tracked processes */
	GS_CPS_LOST,		/* a count map was full: sample not counted */
	GS_CPS_STACK_COLLISION,	/* the stack map's bucket held another stack: counted in gs_cp_spill */
	GS_CPS_STACK_ERROR,	/* the stack could not be recorded at all: leaf only */
	GS_CPS_LEAF_FIXED,	/* the chain skipped the leaf's caller: read by SP delta */
	GS_CPS_LEAF_IN_CHAIN,	/* the leaf had its own frame: the chain was complete */
	GS_CPS_LEAF_NO_TABLE,	/* the leaf's pc was outside the table (not Go code) */
	GS_CPS_LEAF_READ_ERROR,	/* the return address could not be read */
	GS_CPS_LEAF_ONLY,	/* counted with the leaf only (stack error, or the spill map full) */
	GS_CPS_COUNT
};

#endif
