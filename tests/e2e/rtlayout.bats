#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The committed runtime-layout table (user/lib/rtlayout_table.c) is what the
# real toolchains' DWARF says: tools/gen-rtlayout.sh builds a program with
# each release line for amd64 and arm64 and regenerates it; any difference
# fails. Under CI a missing toolchain fails too.

load helpers

BUILD_DIR=${BUILD:-$GS_ROOT/build}
LINES="1.15 1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"
GO_CACHE=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}

require_toolchains() {
	local l
	require_file "$BUILD_DIR/tools/rtlayout-gen" || return 1
	for l in $LINES; do
		require_file "$GO_CACHE/$l/goroot/bin/go" "$GO_CACHE/$l/VERSION" || return 1
	done
}

@test "the table equals a fresh generation from every toolchain" {
	require_toolchains || return 1
	run env BUILD="$BUILD_DIR" "$GS_ROOT/tools/gen-rtlayout.sh" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"matches 18 builds"* ]]
}

@test "a table that differs from the toolchains is caught" {
	require_toolchains || return 1
	local t=$BATS_TEST_TMPDIR/table.c
	gen() {
		env BUILD="$BUILD_DIR" GOSCOPE_RTLAYOUT_TABLE="$t" GOSCOPE_RTLAYOUT_LINES=1.21 \
			"$GS_ROOT/tools/gen-rtlayout.sh" "$@"
	}
	run gen
	[ "$status" -eq 0 ]
	run gen --check
	[ "$status" -eq 0 ]
	# one offset of go1.21's g moved
	sed -i '/^static const struct gs_rt_cell layout_go1_21_amd64/,/^};/s/\[GS_RT_G_GOID\] = { \([0-9]*\),/[GS_RT_G_GOID] = { 9\1,/' "$t"
	grep -q '\[GS_RT_G_GOID\] = { 9' "$t"
	run gen --check
	[ "$status" -eq 1 ]
	[[ "$output" == *"GS_RT_G_GOID"* ]]
	[[ "$output" == *"differs from the toolchains"* ]]
}

@test "the table's header names the exact toolchain of every line" {
	require_toolchains || return 1
	local l v
	for l in $LINES; do
		v=$(tr -d ' \n' <"$GO_CACHE/$l/VERSION")
		grep -q "^ \*.* $v\( \|$\)" "$GS_ROOT/user/lib/rtlayout_table.c"
		grep -q "\"go$l\", 0, UINT16_MAX, EM_X86_64, \"$v\"" "$GS_ROOT/user/lib/rtlayout_table.c"
		grep -q "\"go$l\", 0, UINT16_MAX, EM_AARCH64, \"$v\"" "$GS_ROOT/user/lib/rtlayout_table.c"
	done
}

@test "a missing toolchain stops the generator with its own exit status" {
	require_file "$BUILD_DIR/tools/rtlayout-gen" || return 1
	run env BUILD="$BUILD_DIR" GOSCOPE_GO_CACHE="$BATS_TEST_TMPDIR/none" \
		"$GS_ROOT/tools/gen-rtlayout.sh" --check
	[ "$status" -eq 3 ]
	[[ "$output" == *"missing toolchain go1.15"* ]]
}
