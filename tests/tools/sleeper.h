/* SPDX-License-Identifier: MIT */
/*
 * For the test tools that write an x86-64 executable posing as a Go binary
 * (elfbomb.c, modbomb.c): the program it really runs -- it sleeps, then
 * exits 0, so many processes can share it --, its ELF header, and the
 * tools' error exit.
 * Define TOOL (the tool's name, for messages) before including this.
 */
#ifndef GOSCOPE_TESTS_SLEEPER_H
#define GOSCOPE_TESTS_SLEEPER_H

#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, TOOL ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* nanosleep(&ts, NULL); exit(0) -- with ts right after the code. Its size. */
static size_t put_code(uint8_t *p, uint64_t secs)
{
	static const uint8_t code[] = {
		0xb8, 0x23, 0x00, 0x00, 0x00,			/* mov eax, 35 (nanosleep) */
		0x48, 0x8d, 0x3d, 0x14, 0x00, 0x00, 0x00,	/* lea rdi, [rip + 20] */
		0x31, 0xf6,					/* xor esi, esi */
		0x0f, 0x05,					/* syscall */
		0xb8, 0x3c, 0x00, 0x00, 0x00,			/* mov eax, 60 (exit) */
		0x31, 0xff,					/* xor edi, edi */
		0x0f, 0x05,					/* syscall */
	};
	uint64_t ts[2] = { secs, 0 };

	memcpy(p, code, sizeof(code));
	memcpy(p + 32, ts, sizeof(ts));	/* 12 + 20 = 32 */
	return 48;
}

/* An x86-64 ET_EXEC header, entry at entry, program headers right after it. */
static void put_ehdr(Elf64_Ehdr *eh, uint64_t entry)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
}

#endif
