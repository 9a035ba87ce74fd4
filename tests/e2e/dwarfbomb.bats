#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# DWARF decompression bombs (docs/security.md): the gcload fixture with its
# .debug_info, .debug_abbrev, .debug_line and .debug_frame rewritten so that
# each inflates to its own bytes plus 511 MiB, just under the 512 MiB per
# section the reader used to allow (2 GiB in all: 1 GiB of peak memory and
# 4 s before, for .debug_info and .debug_abbrev alone; the binary still
# runs). goscope inflates only the units it needs, in chunks, under one
# 64 MiB budget per binary: with the zeros after the units it reads the
# layout from DWARF as usual; with a zero-filled unit in front of them it
# stops at the budget, says "DWARF too large" and takes the layout table.
# Either way its peak memory stays far below the DaemonSet's 128 MiB.

load helpers

BOMB=$GS_ROOT/build/tests/dwarfbomb
# Peak RSS allowed for one command (KiB): the budget; a normal run needs ~10 MiB.
RSS_LIMIT_KB=$((64 * 1024))

setup_file() {
	[ -x "$BOMB" ] && [ -e "$FIXTURES/gcload" ] || return 0
	"$BOMB" "$FIXTURES/gcload" "$BATS_FILE_TMPDIR/gcload.tail" tail 511
	"$BOMB" "$FIXTURES/gcload" "$BATS_FILE_TMPDIR/gcload.lead" lead 511
	chmod 755 "$BATS_FILE_TMPDIR"/gcload.*
}

setup() {
	require_goscope
	require_fixture gcload GOVERSION
	require_file "$BOMB" /usr/bin/time
	require_cmd jq
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/gops
	mkdir -p "$GOPS_CONFIG_DIR"
}

# start BOMB: run it (collector off, steady goroutines), wait for its ready line; sets G.
start() {
	local log
	start_fixture "$BATS_FILE_TMPDIR/$1" -wait || return 1
	log=$(ls "$BATS_TEST_TMPDIR/$1".*.log | head -n 1)
	wait_for 10 grep -q '^ready' "$log"
	G=$(sed -n 's/^ready .*goroutines=\([0-9]*\).*/\1/p' "$log")
}

# measured CMD...: run goscope CMD under /usr/bin/time, at most 30 s; sets RSS (KiB).
measured() {
	local t=$BATS_TEST_TMPDIR/time
	run timeout 30 /usr/bin/time -f '%M' -o "$t" "$GOSCOPE" "$@"
	RSS=$(tail -n 1 "$t")
	echo "goscope $*: status $status, peak RSS ${RSS} KiB"
}

@test "dwarfbomb: the four sections are compressed and claim over 511 MiB each" {
	local f=$BATS_FILE_TMPDIR/gcload.tail s off claim
	for s in .debug_info .debug_abbrev .debug_line .debug_frame; do
		readelf -SW "$f" | grep -q " $s .* C " || return 1
		off=$(readelf -SW "$f" | awk -v n="$s" '{ for (i = 1; i < NF; i++)
			if ($i == n && $(i + 1) == "PROGBITS") { print $(i + 3); exit } }')
		# Elf64_Chdr: type, reserved, then the decompressed size
		claim=$(od -An -t u8 -j $((16#$off + 8)) -N 8 "$f" | tr -d ' ')
		echo "$s at 0x$off claims $claim bytes"
		[ "$claim" -gt $((511 << 20)) ]
	done
}

@test "dwarfbomb: zeros after the units: stats --agentless reads DWARF, in little memory" {
	start gcload.tail
	measured --json stats --agentless "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .values.goroutines.source <<<"$output")" = symtab+dwarf ]
	[ "$(jq -r .values.goroutines.value <<<"$output")" = "$G" ]
	[ "$RSS" -lt "$RSS_LIMIT_KB" ]
}

@test "dwarfbomb: a unit of zeros first: DWARF too large, the table answers, in little memory" {
	start gcload.lead
	measured --json stats --agentless "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$RSS" -lt "$RSS_LIMIT_KB" ]
	case $(cat "$FIXTURES/GOVERSION") in
	go1.15.* | go1.19.* | go1.2[1-7].* | go1.2[1-7])
		[ "$(jq -r .values.goroutines.source <<<"$output")" = symtab+table ]
		[ "$(jq -r .values.goroutines.value <<<"$output")" = "$G" ]
		;;
	*)
		[ "$(jq -r .values.goroutines.value <<<"$output")" = null ]
		[[ "$(jq -r .values.goroutines.why <<<"$output")" == *"no DWARF and no offset table"* ]]
		;;
	esac
}

@test "dwarfbomb: probe on both bombs stays small and counts" {
	local b
	require_root
	for b in gcload.tail gcload.lead; do
		start "$b"
		measured --json probe -d 1 -i 1 "$BG_PID"
		[ "$status" -eq 0 ]
		[ "$RSS" -lt "$RSS_LIMIT_KB" ]
		[ "$(grep '^{' <<<"$output" | jq -s -r '[.[] | select(.type == "summary")][0].processes[0].live.goroutines.value')" = "$G" ]
		stop_fixtures
	done
}
