#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The fuzz harnesses cannot rot: every regression input is replayed, and each
# target fuzzes for a few seconds (FUZZ_SMOKE_SECONDS, default 5) from seeds.
# `make fuzz FUZZ_SECONDS=N` is the long run.
# The harnesses are built with AddressSanitizer and UBSan in either pass, so
# only the first pass runs them.
# bats file_tags=first-pass

load helpers

BUILD_DIR=${BUILD:-$GS_ROOT/build}

targets() {
	local f
	for f in "$GS_ROOT"/tests/fuzz/fuzz_*.c; do
		basename "$f" .c
	done
}

@test "every fuzz target is built" {
	local t
	for t in $(targets); do
		require_file "$BUILD_DIR/fuzz/$t" || return 1
	done
}

@test "regression inputs replay cleanly" {
	local t n=0
	for t in $(targets); do
		require_file "$BUILD_DIR/fuzz/$t" || return 1
	done
	for t in $(ls "$GS_ROOT/tests/fuzz/regress"); do
		n=$((n + $(ls "$GS_ROOT/tests/fuzz/regress/$t" | wc -l)))
	done
	[ "$n" -gt 0 ]
	run env BUILD="$BUILD_DIR" "$GS_ROOT/tools/fuzz.sh" replay
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "seeds include the release corpus, cut down to a mutable size" {
	local cut f
	require_corpus esbuild-0.8.57/esbuild esbuild-0.15.18/esbuild esbuild-0.19.12/esbuild \
		buf-1.75.0/buf || return 1
	require_file "$GS_ROOT/build/tests/elfcut" || return 1
	run env BUILD="$BUILD_DIR" "$GS_ROOT/tools/fuzz.sh" seed fuzz_classify fuzz_goelf fuzz_modinfo fuzz_runtime
	echo "$output"
	[ "$status" -eq 0 ]
	cut=$BUILD_DIR/fuzz/corpus/fuzz_classify
	# every corpus package gave a seed, none above 1 MiB (the binaries are 7-47 MB)
	[ "$(ls "$cut" | grep -c '^corpus-')" -ge 5 ]
	for f in "$cut"/corpus-*; do
		[ "$(stat -c %s "$f")" -le $((1 << 20)) ]
	done
	# the cut keeps real structure: build info still names the right toolchain
	run "$GOSCOPE" version "$cut/corpus-esbuild-0.15.18" "$cut/corpus-esbuild-0.19.12" "$cut/corpus-buf-1.75.0"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *": go1.19.3" ]]
	[[ "${lines[1]}" == *": go1.20.12" ]]
	[[ "${lines[2]}" == *": go1.27.3" ]]
	# and three pclntab header generations (go1.16, go1.18, go1.20 magic)
	for f in "$cut"/corpus-*; do
		rm -f "$BATS_TEST_TMPDIR/magic"
		"$GS_ROOT/build/tests/elfcut" -s .gopclntab -c 4 "$f" "$BATS_TEST_TMPDIR/magic"
		od -An -tx4 "$BATS_TEST_TMPDIR/magic"
	done >"$BATS_TEST_TMPDIR/magics"
	cat "$BATS_TEST_TMPDIR/magics"
	[ "$(sort -u "$BATS_TEST_TMPDIR/magics" | grep -cE 'fffffff[a01]')" -eq 3 ]
	# per-parser seeds: a selector byte and the cut ELF; real code; real modinfo
	[ "$(ls "$BUILD_DIR/fuzz/corpus/fuzz_goelf" | grep -c '^corpus-.*\.[0-5]$')" -ge 30 ]
	[ "$(ls "$BUILD_DIR/fuzz/corpus/fuzz_runtime" | grep -c '^corpus-text-')" -ge 5 ]
	grep -q $'^dep\t' "$BUILD_DIR/fuzz/corpus/fuzz_modinfo/corpus-buf-1.75.0"
	# DWARF inside an ELF in all three forms, for the decompression path
	for f in zlib zdebug plain; do
		[ -s "$BUILD_DIR/fuzz/corpus/fuzz_runtime/dwarf-elf-$f" ]
	done
	tail -c +2 "$BUILD_DIR/fuzz/corpus/fuzz_runtime/dwarf-elf-zdebug" | grep -qa '.zdebug_info'
}

@test "each target survives a short fuzz run" {
	local t secs=${FUZZ_SMOKE_SECONDS:-5}
	for t in $(targets); do
		require_file "$BUILD_DIR/fuzz/$t" || return 1
		run env BUILD="$BUILD_DIR" "$GS_ROOT/tools/fuzz.sh" one "$t" "$secs"
		echo "$output"
		[ "$status" -eq 0 ]
		# it really ran: libFuzzer's final stats report executed units
		[[ "$output" == *number_of_executed_units* ]]
	done
}
