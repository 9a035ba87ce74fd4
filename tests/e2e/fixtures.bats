#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The test material itself: fixtures built by tools/build-fixtures.sh and the
# corpus fetched by tools/fetch-corpus.sh are there and behave as promised,
# so other tests can trust them.

load helpers

@test "fixtures: every file of the contract exists" {
	require_file "$FIXTURES"
	local f
	for f in hello hello.stripped hello.pie hello.cgo libhello.so \
		hello.nobuildinfo hello.386 hello.arm64 hello.ppc64 cbin \
		script.sh empty truncated random.bin GOVERSION; do
		[ -e "$FIXTURES/$f" ] || { echo "missing $FIXTURES/$f"; return 1; }
	done
}

@test "fixtures: hello prints the Go version it was built with" {
	require_fixture hello GOVERSION
	run "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$FIXTURES/GOVERSION")" ]
	[[ "$output" == go1.* ]]
}

@test "fixtures: hello exit 3 exits 3" {
	require_fixture hello
	run "$FIXTURES/hello" exit 3
	[ "$status" -eq 3 ]
}

@test "fixtures: hello greet uses the greet dependency" {
	require_fixture hello
	run "$FIXTURES/hello" greet goscope
	[ "$status" -eq 0 ]
	[ "$output" = "hello, goscope" ]
}

@test "fixtures: native variants run like hello" {
	require_fixture hello.stripped hello.pie hello.cgo hello.nobuildinfo GOVERSION
	local f
	for f in hello.stripped hello.pie hello.cgo hello.nobuildinfo; do
		run "$FIXTURES/$f"
		[ "$status" -eq 0 ] || { echo "$f exited $status"; return 1; }
		[ "$output" = "$(cat "$FIXTURES/GOVERSION")" ] || { echo "$f: $output"; return 1; }
	done
}

@test "fixtures: hello sleep runs in the background until killed" {
	start_fixture hello sleep 30
	[ -d "/proc/$BG_PID" ]
	[ "$(readlink "/proc/$BG_PID/exe")" = "$(readlink -f "$FIXTURES/hello")" ]
}

@test "fixtures: cbin is a C program with the same command line" {
	require_fixture cbin
	run "$FIXTURES/cbin"
	[ "$status" -eq 0 ]
	[ "$output" = cbin ]
	run "$FIXTURES/cbin" exit 4
	[ "$status" -eq 4 ]
}

@test "fixtures: ELF kinds are what the names say" {
	require_cmd file
	require_fixture hello hello.pie hello.cgo libhello.so hello.386 \
		hello.arm64 hello.ppc64 hello.stripped
	run file -b "$FIXTURES/hello"
	[[ "$output" == *"x86-64"*"statically linked"* ]]
	run file -b "$FIXTURES/hello.pie"
	[[ "$output" == *"pie executable"* ]]
	run file -b "$FIXTURES/hello.cgo"
	[[ "$output" == *"dynamically linked"* ]]
	run file -b "$FIXTURES/libhello.so"
	[[ "$output" == *"shared object"* ]]
	run file -b "$FIXTURES/hello.386"
	[[ "$output" == *"32-bit LSB"*"80386"* ]]
	run file -b "$FIXTURES/hello.arm64"
	[[ "$output" == *"aarch64"* ]]
	run file -b "$FIXTURES/hello.ppc64"
	[[ "$output" == *"64-bit MSB"*"PowerPC"* ]]
	run file -b "$FIXTURES/hello.stripped"
	[[ "$output" == *", stripped"* ]]
}

@test "fixtures: hello.nobuildinfo has no build info left" {
	require_fixture hello hello.nobuildinfo
	# The magic that starts .go.buildinfo is in hello and nowhere in the copy.
	LC_ALL=C grep -qaP '\xff Go buildinf:' "$FIXTURES/hello"
	# (`! cmd` would not fail a bats test: errexit ignores it.)
	if LC_ALL=C grep -qaP '\xff Go buildinf:' "$FIXTURES/hello.nobuildinfo"; then
		echo "build info magic left in hello.nobuildinfo"
		return 1
	fi
	if command -v readelf >/dev/null &&
		readelf -SW "$FIXTURES/hello.nobuildinfo" | grep -q '\.go\.build'; then
		echo "a .go.build* section is left in hello.nobuildinfo"
		return 1
	fi
}

@test "fixtures: non-Go inputs have the promised shapes" {
	require_fixture script.sh empty truncated random.bin
	[ -x "$FIXTURES/script.sh" ]
	[ "$(head -c 2 "$FIXTURES/script.sh")" = '#!' ]
	[ ! -s "$FIXTURES/empty" ]
	[ "$(stat -c %s "$FIXTURES/truncated")" -eq 4096 ]
	[ "$(stat -c %s "$FIXTURES/random.bin")" -eq 65536 ]
}

@test "corpus: release binaries are present" {
	local f
	for f in esbuild-0.8.57/esbuild esbuild-0.13.15/esbuild \
		esbuild-0.15.18/esbuild esbuild-0.19.12/esbuild \
		buf-1.75.0/buf buf-1.75.0/protoc-gen-buf-breaking \
		buf-1.75.0/protoc-gen-buf-lint; do
		require_corpus "$f"
		[ -x "$CORPUS/$f" ] || { echo "$CORPUS/$f is not executable"; return 1; }
		[ "$(head -c 4 "$CORPUS/$f" | od -An -c | tr -d ' ')" = '177ELF' ]
	done
}
