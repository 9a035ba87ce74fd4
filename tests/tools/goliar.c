// SPDX-License-Identifier: MIT
/*
 * goliar IN OUT ENTRY WORD...: a Go binary whose memory lies, for tests of
 * goscope's agentless reads. OUT is a copy of IN (a fixed-address x86-64
 * Go executable) whose entry point is moved to ENTRY, where a few bytes of
 * machine code store each WORD into memory and then sleep in pause(2)
 * forever. The Go runtime never starts: the process has the layout of a Go
 * binary (its code, pclntab, build info and DWARF are intact), but its
 * runtime globals hold exactly what the test chose.
 *
 *	WORD  ADDR=VALUE     store 8 bytes at ADDR
 *	      ADDR:4=VALUE   store 4 bytes
 * Numbers in C syntax (0x..., decimal, negative allowed). ENTRY must be the
 * address of a function the test does not need (its code is overwritten).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CODE 4096

static void die(const char *msg)
{
	fprintf(stderr, "goliar: %s\n", msg);
	exit(1);
}

static uint64_t num(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno == ERANGE) {
		errno = 0;
		v = (long long)strtoull(s, &end, 0);
	}
	if (errno || end == s || *end)
		die("bad number");
	return (uint64_t)v;
}

static void put(uint8_t *code, size_t *n, const void *b, size_t len)
{
	if (*n + len > MAX_CODE)
		die("too many words");
	memcpy(code + *n, b, len);
	*n += len;
}

int main(int argc, char **argv)
{
	static uint8_t code[MAX_CODE];
	uint64_t entry, off = 0;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t n = 0;
	uint8_t *buf;
	struct stat st;
	int in, out;
	bool found = false;

	if (argc < 4)
		die("usage: goliar IN OUT ENTRY ADDR[:4]=VALUE...");
	entry = num(argv[3]);
	for (int a = 4; a < argc; a++) {
		char *eq = strchr(argv[a], '='), *colon;
		uint64_t addr, val;
		bool four;
		uint8_t mov_rbx[2] = { 0x48, 0xbb }, mov_rax[2] = { 0x48, 0xb8 };
		uint8_t st64[3] = { 0x48, 0x89, 0x03 }, st32[2] = { 0xc7, 0x03 };

		if (!eq)
			die("a word is ADDR=VALUE");
		*eq = '\0';
		colon = strchr(argv[a], ':');
		four = colon && strcmp(colon, ":4") == 0;
		if (colon && !four)
			die("only :4 sizes a word");
		if (colon)
			*colon = '\0';
		addr = num(argv[a]);
		val = num(eq + 1);
		put(code, &n, mov_rbx, 2);		/* movabs rbx, addr */
		put(code, &n, &addr, 8);
		if (four) {
			uint32_t v32 = (uint32_t)val;

			put(code, &n, st32, 2);		/* mov dword [rbx], imm32 */
			put(code, &n, &v32, 4);
		} else {
			put(code, &n, mov_rax, 2);	/* movabs rax, val */
			put(code, &n, &val, 8);
			put(code, &n, st64, 3);		/* mov [rbx], rax */
		}
	}
	/* for (;;) pause(); */
	put(code, &n, (const uint8_t[]){ 0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7 }, 9);

	in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0 || st.st_size < (off_t)sizeof(eh))
		die("cannot read IN");
	buf = malloc((size_t)st.st_size);
	if (!buf || read(in, buf, (size_t)st.st_size) != st.st_size)
		die("cannot read IN");
	close(in);
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC)
		die("IN is not a fixed-address x86-64 executable");
	for (unsigned k = 0; k < eh.e_phnum; k++) {
		uint64_t at = eh.e_phoff + (uint64_t)k * eh.e_phentsize;

		if (at + sizeof(ph) > (uint64_t)st.st_size)
			die("bad program headers");
		memcpy(&ph, buf + at, sizeof(ph));
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && entry >= ph.p_vaddr &&
		    entry + n <= ph.p_vaddr + ph.p_filesz) {
			off = ph.p_offset + (entry - ph.p_vaddr);
			found = true;
		}
	}
	if (!found)
		die("ENTRY is not in the executable segment's file part");
	memcpy(buf + off, code, n);
	eh.e_entry = entry;
	memcpy(buf, &eh, sizeof(eh));
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0 || write(out, buf, (size_t)st.st_size) != st.st_size || close(out) < 0)
		die("cannot write OUT");
	free(buf);
	return 0;
}
