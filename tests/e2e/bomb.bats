#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The segment-walk ELF bomb (docs/security.md, §1): an executable any user
# can run, with 63 writable PT_LOADs mapping the same 32 MiB (or 128 MiB), or
# 8 mapping nearly all of a 2 GiB sparse file; a .gosymtab section name is
# its only Go evidence and its data is string headers pointing into the last
# segment (tests/tools/elfbomb.c); one more has a .symtab laid over the
# sparse range as well. Every command that meets them, as a file or
# as a process, must answer "probably Go (only weak signals)" or a clean
# error, and within a bound: each runs under `timeout` (10 s, far above the
# sub-second goal that bench/bomb.sh measures), and its time is printed.

bats_require_minimum_version 1.5.0
load helpers

ELFBOMB=$GS_ROOT/build/tests/elfbomb
LIMIT=${BOMB_TIMEOUT:-10}
BOMBS=(bomb32 bomb128 bomb-sparse bomb-symtab)

setup_file() {
	local b=$BATS_FILE_TMPDIR
	[ -x "$ELFBOMB" ] || return 0	# each test reports it missing
	"$ELFBOMB" -t 300 "$b/bomb32"
	"$ELFBOMB" -t 300 -s 128M "$b/bomb128"
	# 8 segments over a 2 GiB file of which only the headers are written
	"$ELFBOMB" -t 300 -n 8 -s 2040M -f 2G -z "$b/bomb-sparse"
	"$ELFBOMB" -t 300 -n 8 -s 2040M -f 2G -z -y "$b/bomb-symtab"
}

setup() {
	require_goscope
	require_file "$ELFBOMB"
	B=$BATS_FILE_TMPDIR
}

# timed CMD...: `run` under timeout, with the time printed as a TAP comment;
# fails on a timeout or a death by signal.
timed() {
	local t0 t1 cmd=$*
	t0=$(date +%s%N)
	run --separate-stderr timeout "$LIMIT" "$@"
	t1=$(date +%s%N)
	cmd=${cmd#"$GOSCOPE"}
	printf '# %5d ms  goscope%s\n' $(((t1 - t0) / 1000000)) "${cmd//"$B"\//}" >&3
	echo "status $status; stdout:"
	echo "$output"
	echo "stderr:"
	echo "$stderr"
	if [ "$status" -eq 124 ]; then
		echo "timed out after ${LIMIT}s: $*"
		return 1
	fi
	[ "$status" -lt 124 ]
}

# is_weak JSON-GO-OBJECT: probably Go, for its section name alone.
is_weak() {
	local go=$1
	[ "$(jq -r .verdict <<<"$go")" = probably-go ]
	[[ "$(jq -r .reason <<<"$go")" == "only weak signals"* ]]
	[ "$(jq -c .evidence <<<"$go")" = '["go-sections"]' ]
	[ "$(jq -r .version <<<"$go")" = null ]
	[ "$(jq -c .deps <<<"$go")" = '[]' ]
}

@test "the bombs are what the attack needs: 63 or 8 overlapping writable segments, sparse" {
	require_cmd readelf
	[ "$(readelf -lW "$B/bomb32" | grep -c 'LOAD .* RW ')" -eq 63 ]
	[ "$(readelf -lW "$B/bomb128" | grep -c 'LOAD .* RW ')" -eq 63 ]
	[ "$(readelf -lW "$B/bomb-sparse" | grep -c 'LOAD .* RW ')" -eq 8 ]
	[ "$(readelf -SW "$B/bomb32" | grep -c '\.gosymtab')" -eq 1 ]
	[ "$(readelf -SW "$B/bomb-symtab" | grep -c ' SYMTAB ')" -eq 1 ]
	[ "$(stat -c %s "$B/bomb-sparse")" -eq $((2 << 30)) ]
	# sparse: a few KiB on disk
	[ "$(stat -c %b "$B/bomb-sparse")" -lt 1024 ]
	[ "$(stat -c %b "$B/bomb-symtab")" -lt 1024 ]
}

@test "version FILE and version -m FILE: probably Go, version unknown, no module lines" {
	require_cmd jq
	local f
	for f in "${BOMBS[@]}"; do
		timed "$GOSCOPE" version "$B/$f"
		[ "$status" -eq 0 ]
		[ "$output" = "$B/$f: unknown" ]
		timed "$GOSCOPE" version -m "$B/$f"
		[ "$status" -eq 0 ]
		[ "$output" = "$B/$f: unknown" ]
		timed "$GOSCOPE" --json version -m "$B/$f"
		[ "$status" -eq 0 ]
		is_weak "$(jq -c '.files[0].go' <<<"$output")"
	done
}

@test "audit --path FILE: one probably-Go binary, support unknown" {
	require_cmd jq
	local f
	for f in "${BOMBS[@]}"; do
		timed "$GOSCOPE" audit --format csv --path "$B/$f"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 2 ]
		[[ "${lines[1]}" == "$B/$f,false,,probably-go,,unknown,"* ]]
		timed "$GOSCOPE" --json audit --path "$B/$f"
		[ "$status" -eq 0 ]
		[ "$(jq -r .summary.binaries <<<"$output")" -eq 1 ]
		is_weak "$(jq -c '.binaries[0].go' <<<"$output")"
	done
}

@test "list, tree and audit with the bombs running: listed as Go of unknown version" {
	require_root
	require_cmd jq
	local f pid
	declare -A pids
	for f in "${BOMBS[@]}"; do
		start_fixture "$B/$f"
		pids[$f]=$BG_PID
	done
	timed "$GOSCOPE"
	[ "$status" -eq 0 ]
	for f in "${BOMBS[@]}"; do
		pid=${pids[$f]}
		grep -qE "^$pid +[0-9]+ +$f +unknown +$B/$f\$" <<<"$output"
	done
	timed "$GOSCOPE" tree
	[ "$status" -eq 0 ]
	for f in "${BOMBS[@]}"; do
		[[ "$output" == *"${pids[$f]} ($f) {unknown}"* ]]
	done
	timed "$GOSCOPE" --json audit
	[ "$status" -eq 0 ]
	for f in "${BOMBS[@]}"; do
		pid=${pids[$f]}
		[ "$(jq -r --argjson p "$pid" '.binaries[] | select(.pids | index($p)) | .path' <<<"$output")" = "$B/$f" ]
		is_weak "$(jq -c --argjson p "$pid" '.binaries[] | select(.pids | index($p)) | .go' <<<"$output")"
	done
}

@test "goscope PID: the process details, go version unknown" {
	require_root
	require_cmd jq
	local f
	for f in "${BOMBS[@]}"; do
		start_fixture "$B/$f"
		timed "$GOSCOPE" "$BG_PID"
		[ "$status" -eq 0 ]
		grep -qx "cmd+args:	$B/$f" <<<"$output"
		grep -qx "go version:	unknown" <<<"$output"
		timed "$GOSCOPE" --json "$BG_PID"
		[ "$status" -eq 0 ]
		is_weak "$(jq -c .go <<<"$output")"
	done
}

@test "stats --agentless PID: a clean error, no numbers" {
	require_root
	local f
	for f in "${BOMBS[@]}"; do
		start_fixture "$B/$f"
		timed "$GOSCOPE" stats --agentless "$BG_PID"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[[ "$stderr" == "Error: stats: PID $BG_PID: "* ]]
	done
}

@test "probe -d 1 PID: not probed (no pclntab), a clean error" {
	require_root
	local f
	for f in "${BOMBS[@]}"; do
		start_fixture "$B/$f"
		timed "$GOSCOPE" probe -d 1 "$BG_PID"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"PID $BG_PID: not probed: no pclntab"* ]]
		[[ "$stderr" == *"Error: probe: no process could be probed"* ]]
	done
}
