/* SPDX-License-Identifier: MIT */
/*
 * dwarfbomb: a DWARF decompression bomb made from a real Go binary, for the
 * tests of the DWARF budget (tests/e2e/dwarfbomb.bats). The binary still
 * runs: only its non-loaded .debug_* sections change.
 *
 *   dwarfbomb IN OUT tail|lead MIB
 *
 * .debug_info, .debug_abbrev, .debug_line and .debug_frame are each
 * rewritten as SHF_COMPRESSED zlib sections that inflate to their own bytes
 * plus MIB MiB: "tail" puts zeros after them; "lead" puts, before
 * .debug_info's units, one unit of MIB MiB that names nothing (so it must
 * be inflated through to reach the real ones) and zeros after the others.
 * The new sections are appended; the section headers are patched in place.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void die(const char *m)
{
	fprintf(stderr, "dwarfbomb: %s\n", m);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) < 0)
		die("cannot read the input");
	b = malloc((size_t)n);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		die("cannot read the input");
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* The section's bytes, decompressed if need be (malloc'ed). */
static uint8_t *contents(const uint8_t *img, const Elf64_Shdr *sh, size_t *len)
{
	const uint8_t *p = img + sh->sh_offset;
	uint8_t *out;

	if (!(sh->sh_flags & SHF_COMPRESSED)) {
		out = malloc(sh->sh_size ? sh->sh_size : 1);
		memcpy(out, p, sh->sh_size);
		*len = sh->sh_size;
		return out;
	} else {
		const Elf64_Chdr *ch = (const Elf64_Chdr *)p;
		uLongf n = (uLongf)ch->ch_size;

		if (ch->ch_type != ELFCOMPRESS_ZLIB)
			die("not zlib");
		out = malloc(n);
		if (uncompress(out, &n, p + sizeof(*ch), (uLong)(sh->sh_size - sizeof(*ch))) != Z_OK)
			die("cannot decompress a section");
		*len = n;
		return out;
	}
}

struct zout {
	z_stream z;
	uint8_t *buf;
	size_t len, cap;
};

static void zput(struct zout *o, const uint8_t *p, size_t n, int flush)
{
	o->z.next_in = (Bytef *)(uintptr_t)p;
	o->z.avail_in = (uInt)n;
	do {
		if (o->cap - o->len < 65536) {
			o->cap = o->cap * 2 + 65536;
			o->buf = realloc(o->buf, o->cap);
			if (!o->buf)
				die("out of memory");
		}
		o->z.next_out = o->buf + o->len;
		o->z.avail_out = (uInt)(o->cap - o->len);
		if (deflate(&o->z, flush) == Z_STREAM_ERROR)
			die("deflate");
		o->len = o->cap - o->z.avail_out;
	} while (o->z.avail_in || o->z.avail_out == 0);
}

static void zzeros(struct zout *o, uint64_t n)
{
	static uint8_t zero[1 << 20];

	while (n) {
		size_t k = n < sizeof(zero) ? (size_t)n : sizeof(zero);

		zput(o, zero, k, Z_NO_FLUSH);
		n -= k;
	}
}

int main(int argc, char **argv)
{
	static const char *const names[] = { ".debug_info", ".debug_abbrev", ".debug_line",
					     ".debug_frame" };
	size_t len, outlen;
	uint8_t *img, *out;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	const char *strtab;
	uint64_t extra;
	int lead;
	FILE *f;

	if (argc != 5 || (strcmp(argv[3], "tail") && strcmp(argv[3], "lead")))
		die("usage: dwarfbomb IN OUT tail|lead MIB");
	lead = strcmp(argv[3], "lead") == 0;
	extra = strtoull(argv[4], NULL, 10) << 20;
	if (!extra || extra >= 0xfffffff0u)
		die("MIB: 1 to 4095");
	img = slurp(argv[1], &len);
	eh = (Elf64_Ehdr *)img;
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shoff + eh->e_shnum * sizeof(*sh) > len)
		die("not a 64-bit ELF with section headers");
	sh = (Elf64_Shdr *)(img + eh->e_shoff);
	strtab = (const char *)img + sh[eh->e_shstrndx].sh_offset;
	out = malloc(len);
	memcpy(out, img, len);
	outlen = len;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		Elf64_Chdr ch = { .ch_type = ELFCOMPRESS_ZLIB, .ch_addralign = 1 };
		struct zout z = { 0 };
		Elf64_Shdr *s = NULL;
		uint8_t *plain;
		size_t plen;

		for (unsigned i = 1; i < eh->e_shnum; i++)
			if (strcmp(strtab + sh[i].sh_name, names[k]) == 0)
				s = &((Elf64_Shdr *)(out + eh->e_shoff))[i];
		if (!s)
			die("a .debug_* section is missing (objcopy --decompress-debug-sections?)");
		plain = contents(img, s, &plen);
		/* run-length matches only: the zeros compress as well, many times faster */
		if (deflateInit2(&z.z, 6, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK)
			die("deflateInit");
		if (lead && k == 0) {
			/* unit_length, version 4, abbrev offset 0, address size 8, then zeros */
			uint8_t hdr[11] = { 0 };
			uint32_t ulen = (uint32_t)(extra - 4);

			memcpy(hdr, &ulen, 4);
			hdr[4] = 4;
			hdr[10] = 8;
			zput(&z, hdr, sizeof(hdr), Z_NO_FLUSH);
			zzeros(&z, extra - sizeof(hdr));
			zput(&z, plain, plen, Z_NO_FLUSH);
		} else {
			zput(&z, plain, plen, Z_NO_FLUSH);
			zzeros(&z, extra);
		}
		zput(&z, NULL, 0, Z_FINISH);
		deflateEnd(&z.z);
		ch.ch_size = plen + extra;
		outlen = (outlen + 7) & ~(size_t)7;
		out = realloc(out, outlen + sizeof(ch) + z.len);
		if (!out)
			die("out of memory");
		s = NULL;
		for (unsigned i = 1; i < eh->e_shnum; i++)
			if (strcmp(strtab + sh[i].sh_name, names[k]) == 0)
				s = &((Elf64_Shdr *)(out + eh->e_shoff))[i];
		memcpy(out + outlen, &ch, sizeof(ch));
		memcpy(out + outlen + sizeof(ch), z.buf, z.len);
		s->sh_offset = outlen;
		s->sh_size = sizeof(ch) + z.len;
		s->sh_flags |= SHF_COMPRESSED;
		s->sh_addralign = 8;
		outlen += sizeof(ch) + z.len;
		free(z.buf);
		free(plain);
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, outlen, f) != outlen || fclose(f) != 0)
		die("cannot write the output");
	return 0;
}
