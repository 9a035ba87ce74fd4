/* SPDX-License-Identifier: MIT */
/*
 * The classifier proper: combine the goelf sources into a verdict, a version,
 * modinfo and build flags, recording which evidence fired. Order of sources
 * follows docs/go-binary-format.md §8: build info, symbols, note, pclntab (+ moduledata),
 * then version recovery for binaries that lost their build info.
 *
 * Cheap checks come first; the expensive scans (pclntab magic, string-header
 * walks) run only when something already says Go, so that auditing a tree of
 * C binaries stays fast and a file that merely looks Go (a section name, a
 * note, symbols) never starts a scan of the whole file. Every scan runs
 * under its work budget (goelf.h); one cut short is named in the reason.
 */
#include "classify.h"
#include "gotriage.h"
#include "modinfo.h"
#include "agentpkg.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DF_1_PIE
#define DF_1_PIE 0x08000000
#endif

struct sect_facts {
	bool symtab, dwarf, go_names, go_module;
};

static void scan_sections(const struct gs_elf *e, struct sect_facts *f)
{
	struct gs_shdr sh;

	for (uint32_t i = 1; i < e->shnum; i++) {
		const char *n;

		if (!gs_elf_shdr(e, i, &sh))
			break;
		if (sh.type == SHT_SYMTAB)
			f->symtab = true;
		n = gs_elf_shname(e, &sh);
		if (!n)
			continue;
		if (!strncmp(n, ".debug_", 7) || !strncmp(n, ".zdebug_", 8))
			f->dwarf = true;
		if (!strcmp(n, ".go.module"))
			f->go_module = true;
		/* gccgo's export data is Go, but no evidence this classifier can build on. */
		if (gs_go_section(n) == GS_GOSECT_GC)
			f->go_names = true;
	}
}

struct dyn_facts {
	bool interp, dynamic, flag_pie;
};

static void scan_dynamic(const struct gs_elf *e, struct dyn_facts *d)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *p;
		size_t len, ent = e->is64 ? 16 : 8;

		if (ph->type == PT_INTERP)
			d->interp = true;
		if (ph->type != PT_DYNAMIC)
			continue;
		d->dynamic = true;
		p = gs_elf_seg_bytes(e, ph, &len);
		for (size_t off = 0; p && off + ent <= len && off < 4096 * ent; off += ent) {
			uint64_t tag = e->is64 ? gs_rd64(e, p + off) : gs_rd32(e, p + off);
			uint64_t val = e->is64 ? gs_rd64(e, p + off + 8) : gs_rd32(e, p + off + 4);

			if (tag == DT_NULL)
				break;
			if (tag == DT_FLAGS_1 && (val & DF_1_PIE))
				d->flag_pie = true;
		}
	}
}

static void set_version(struct gs_class *c, const char *v, enum gs_vsrc src)
{
	snprintf(c->version, sizeof(c->version), "%s", v);
	c->vsrc = src;
}

static void take_modinfo(struct gs_class *c, const uint8_t *raw, size_t len)
{
	const uint8_t *t;
	size_t tl;

	if (!gs_modinfo_unframe(raw, len, &t, &tl) || tl > GS_MODINFO_MAX)
		return;
	c->modinfo = malloc(tl + 1);
	if (!c->modinfo) {
		c->error = ENOMEM;	/* never report a binary without its modinfo silently */
		return;
	}
	memcpy(c->modinfo, t, tl);
	c->modinfo[tl] = 0;
	c->modinfo_len = tl;
}

/* Version from the runtime.buildVersion symbol's string header (§7.1). */
static bool symtab_version(const struct gs_elf *e, uint64_t addr, char *out, size_t outsz)
{
	const uint8_t *h = gs_elf_vaddr(e, addr, 2 * e->ptrsize), *s;
	uint64_t ptr, len;

	if (!h)
		return false;
	ptr = gs_rdptr(e, h);
	len = gs_rdptr(e, h + e->ptrsize);
	if (len >= outsz)
		return false;
	s = gs_elf_vaddr(e, ptr, len);
	if (!s || !gs_version_plausible(s, (size_t)len))
		return false;
	memcpy(out, s, len);
	out[len] = 0;
	return true;
}

/* Is one of the cgo-only runtime functions in pclntab? (§8.4, cgo) */
static bool pcln_has_cgo(const struct gs_pclntab *t)
{
	for (uint64_t i = 0; i < t->nfunc; i++) {
		/* Longer names cannot match: read no more than the longest. */
		const char *n = gs_pcln_name_within(t, i, sizeof("runtime.cgocallbackg"));

		if (n && (n[0] == '_' || n[0] == 'r') &&
		    (!strcmp(n, "_cgo_topofstack") || !strcmp(n, "runtime.cgocallbackg") ||
		     !strcmp(n, "_cgo_panic")))
			return true;
	}
	return false;
}

enum { Q_RTMAIN, Q_MAINMAIN, Q_BUILDVER, Q_CGOTOP, Q_CGOCB, Q_COUNT };

/* The scans cut short by their budgets, after the reason: the result may lack what they missed. */
static void note_spent(struct gs_class *c, const struct gs_budget *b, const unsigned *ev, unsigned n)
{
	size_t len = strlen(c->reason);
	bool first = true;

	for (unsigned i = 0; i < n; i++) {
		bool named = false;

		for (unsigned j = 0; j < i; j++)
			named |= b[j].spent && ev[j] == ev[i];
		if (!b[i].spent || named)
			continue;
		snprintf(c->reason + len, sizeof(c->reason) - len, "%s%s", first ?
			 (len ? "; scan budget spent: " : "scan budget spent: ") : " ",
			 gs_evidence_name(ev[i]));
		len = strlen(c->reason);
		first = false;
	}
}

void gs_classify_mem(const void *data, size_t size, struct gs_class *c)
{
	enum { B_BUILDINFO, B_PCLN, B_MD, B_VERSION, B_MODINFO, B_SENTINEL, B_COUNT };
	static const unsigned budget_ev[B_COUNT] = {
		GS_EV_BUILDINFO_SCAN, GS_EV_PCLNTAB_SCAN, GS_EV_MODULEDATA, GS_EV_VERSION_SCAN,
		GS_EV_MODINFO_SCAN, GS_EV_MODINFO_SCAN,
	};
	struct gs_budget bud[B_COUNT] = {
		[B_BUILDINFO] = GS_BUDGET_BUILDINFO, [B_PCLN] = GS_BUDGET_PCLN,
		[B_MD] = GS_BUDGET_MODULEDATA, [B_VERSION] = GS_BUDGET_STRWALK,
		[B_MODINFO] = GS_BUDGET_STRWALK, [B_SENTINEL] = GS_BUDGET_SENTINEL,
	};
	struct gs_sym_query q[Q_COUNT] = {
		[Q_RTMAIN] = { .name = "runtime.main" },
		[Q_MAINMAIN] = { .name = "main.main" },
		[Q_BUILDVER] = { .name = "runtime.buildVersion" },
		[Q_CGOTOP] = { .name = "_cgo_topofstack" },
		[Q_CGOCB] = { .name = "runtime.cgocallbackg" },
	};
	struct sect_facts sf = { 0 };
	struct dyn_facts df = { 0 };
	struct gs_buildinfo bi;
	struct gs_pclntab pt;
	struct gs_moduledata md;
	struct gs_elf e;
	const char *why = NULL;
	bool have_symtab, have_pcln = false, have_md = false, cgo_known = false;
	char buf[GS_VERSION_MAX], setting[64];

	memset(c, 0, sizeof(*c));
	if (gs_elf_parse(&e, data, size, &why) < 0) {
		c->verdict = GS_NOT_GO;
		snprintf(c->reason, sizeof(c->reason), "%s", why);
		return;
	}
	c->machine = e.machine;
	c->ptrsize = (uint8_t)e.ptrsize;
	c->big_endian = e.be;

	scan_sections(&e, &sf);
	scan_dynamic(&e, &df);
	if (sf.go_names)
		c->evidence |= GS_EV_SECTIONS;
	if (!sf.symtab)
		c->flags |= GS_FL_STRIPPED;
	if (sf.dwarf)
		c->flags |= GS_FL_DWARF;
	if (!df.interp && !df.dynamic)
		c->flags |= GS_FL_STATIC;

	/* 1. build info */
	if (gs_buildinfo_find_budget(&e, &bi, &bud[B_BUILDINFO]) == 0) {
		c->evidence |= bi.by_section ? GS_EV_BUILDINFO : GS_EV_BUILDINFO_SCAN;
		set_version(c, bi.version, GS_VSRC_BUILDINFO);
		if (bi.modinfo)
			take_modinfo(c, bi.modinfo, bi.modinfo_len);
	}

	/* 2. symbols */
	have_symtab = gs_symtab_lookup(&e, q, Q_COUNT) == 0;
	if (have_symtab) {
		if (q[Q_RTMAIN].found || q[Q_MAINMAIN].found || q[Q_BUILDVER].found)
			c->evidence |= GS_EV_SYMTAB;
		if (!c->vsrc && q[Q_BUILDVER].found &&
		    symtab_version(&e, q[Q_BUILDVER].value, buf, sizeof(buf)))
			set_version(c, buf, GS_VSRC_SYMTAB);
		if (c->evidence & GS_EV_SYMTAB) {
			cgo_known = true;
			if (q[Q_CGOTOP].found || q[Q_CGOCB].found)
				c->flags |= GS_FL_CGO;
		}
	}

	/* 3. note */
	if (gs_go_buildid(&e, c->buildid, sizeof(c->buildid)))
		c->evidence |= GS_EV_NOTE;

	/*
	 * 4. pclntab: by section (cheap), or inside .data.rel.ro where shared
	 * objects keep it, once anything hints at Go; by a magic scan of every
	 * segment only when build info says Go, or when there are no section
	 * headers to tell us.
	 */
	if (c->evidence || e.shnum == 0) {
		bool loads = (c->evidence & (GS_EV_BUILDINFO | GS_EV_BUILDINFO_SCAN)) || e.shnum == 0;

		if (gs_pcln_find_budget(&e, &pt, loads, &bud[B_PCLN]) == 0) {
			have_pcln = true;
			c->evidence |= pt.by_section ? GS_EV_PCLNTAB : GS_EV_PCLNTAB_SCAN;
		}
	}
	if (have_pcln && (!(c->evidence & (GS_EV_BUILDINFO | GS_EV_BUILDINFO_SCAN)) ||
			  !pt.text_known || sf.go_module)) {
		if (gs_moduledata_find_budget(&e, &pt, &md, &bud[B_MD]) == 0) {
			have_md = true;
			c->evidence |= GS_EV_MODULEDATA;
			c->moduledata_vaddr = md.vaddr;
		}
	}
	if (have_pcln) {
		c->pcln_ver = pt.ver;
		c->pclntab_vaddr = pt.vaddr;
		if (pt.text_known)
			c->text = pt.text;
	}

	/*
	 * 5. version and modinfo without build info: walks of the writable data,
	 * so only for a validated pclntab, never on weak signals alone.
	 */
	if (have_pcln && !c->vsrc &&
	    gs_version_scan_budget(&e, buf, sizeof(buf), &bud[B_VERSION]) == 0) {
		c->evidence |= GS_EV_VERSION_SCAN;
		set_version(c, buf, GS_VSRC_SCAN);
	}
	/*
	 * Valid build info with no modinfo means the binary has none (a GOPATH
	 * build): only a binary that lost its build info is worth the scan.
	 */
	if (have_pcln && !c->modinfo && c->vsrc != GS_VSRC_BUILDINFO) {
		const uint8_t *raw;
		size_t len;

		if (gs_modinfo_scan_budget(&e, &raw, &len, &bud[B_MODINFO], &bud[B_SENTINEL]) == 0) {
			take_modinfo(c, raw, len);
			if (c->modinfo)
				c->evidence |= GS_EV_MODINFO_SCAN;
		}
	}

	/* Verdict. */
	if ((c->evidence & (GS_EV_BUILDINFO | GS_EV_BUILDINFO_SCAN)) || (have_pcln && have_md) ||
	    (have_pcln && (c->vsrc == GS_VSRC_SYMTAB || c->vsrc == GS_VSRC_SCAN))) {
		c->verdict = GS_GO;
	} else if (c->evidence) {
		c->verdict = GS_PROBABLY_GO;
		snprintf(c->reason, sizeof(c->reason),
			 "only weak signals (no valid build info, pclntab not confirmed)");
	} else {
		c->verdict = GS_NOT_GO;
		snprintf(c->reason, sizeof(c->reason),
			 "no Go build info, pclntab, build-ID note or Go symbols");
		note_spent(c, bud, budget_ev, B_COUNT);
		free(c->modinfo);
		c->modinfo = NULL;
		c->modinfo_len = 0;
		return;
	}
	note_spent(c, bud, budget_ev, B_COUNT);
	if (!c->vsrc) {
		const char *r = have_pcln ? gs_version_range(&e, &pt, sf.go_module) : NULL;

		if (r)
			set_version(c, r, GS_VSRC_RANGE);
	}

	/* Can it hold a gops agent? Decided once per binary (agentpkg.h). */
	c->agent_pkg = gs_agentpkg_find(c->modinfo, c->modinfo_len);

	/* Build flags that need the Go facts. */
	if (e.type == ET_DYN) {
		bool pie = df.interp || df.flag_pie;

		if (!pie && c->modinfo &&
		    gs_mi_setting(c->modinfo, c->modinfo_len, "-buildmode", setting, sizeof(setting)))
			pie = !strcmp(setting, "pie");
		c->flags |= pie ? GS_FL_PIE : GS_FL_SHARED;
	}
	if (!cgo_known) {
		bool off = c->modinfo &&
			   gs_mi_setting(c->modinfo, c->modinfo_len, "CGO_ENABLED", setting,
					 sizeof(setting)) && !strcmp(setting, "0");

		if (!off && have_pcln && pcln_has_cgo(&pt))
			c->flags |= GS_FL_CGO;
	}
}

void gs_class_fini(struct gs_class *c)
{
	free(c->modinfo);
	c->modinfo = NULL;
	c->modinfo_len = 0;
}

const char *gs_verdict_str(enum gs_verdict v)
{
	switch (v) {
	case GS_GO: return "go";
	case GS_PROBABLY_GO: return "probably-go";
	default: return "not-go";
	}
}

const char *gs_vsrc_str(enum gs_vsrc s)
{
	switch (s) {
	case GS_VSRC_BUILDINFO: return "buildinfo";
	case GS_VSRC_SYMTAB: return "symtab";
	case GS_VSRC_SCAN: return "version-scan";
	case GS_VSRC_RANGE: return "format-range";
	default: return "none";
	}
}

const char *gs_evidence_name(unsigned bit)
{
	switch (bit) {
	case GS_EV_BUILDINFO: return "buildinfo";
	case GS_EV_BUILDINFO_SCAN: return "buildinfo-scan";
	case GS_EV_SYMTAB: return "symtab";
	case GS_EV_NOTE: return "buildid-note";
	case GS_EV_PCLNTAB: return "pclntab";
	case GS_EV_PCLNTAB_SCAN: return "pclntab-scan";
	case GS_EV_MODULEDATA: return "moduledata";
	case GS_EV_VERSION_SCAN: return "version-scan";
	case GS_EV_MODINFO_SCAN: return "modinfo-scan";
	case GS_EV_SECTIONS: return "go-sections";
	default: return NULL;
	}
}

const char *gs_flag_name(unsigned bit)
{
	switch (bit) {
	case GS_FL_STRIPPED: return "stripped";
	case GS_FL_DWARF: return "dwarf";
	case GS_FL_PIE: return "pie";
	case GS_FL_CGO: return "cgo";
	case GS_FL_STATIC: return "static";
	case GS_FL_SHARED: return "shared";
	default: return NULL;
	}
}
