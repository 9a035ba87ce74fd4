#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The fuzz harnesses cannot rot: every regression input is replayed, and each
# target fuzzes for a few seconds (FUZZ_SMOKE_SECONDS, default 5) from seeds.
# `make fuzz FUZZ_SECONDS=N` is the long run.

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
