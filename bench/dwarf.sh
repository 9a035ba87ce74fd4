#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DWARF reading cost (issue 16 item 2). Times `goscope --json stats
# --agentless PID` (median of RUNS, peak RSS of the child) on the gcload
# fixture as built, and on two DWARF decompression bombs made from it by
# tests/tools/dwarfbomb.c: each of its four .debug_* sections inflating to
# its own bytes plus 511 MiB, with the zeros after the units ("tail") or as
# one unit before them ("lead"). Prints figures; never passes or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FIX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
RUNS=${RUNS:-21}
B=$BUILD/bench
BOMB=build/tests/dwarfbomb

work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$BOMB" "$FIX/gcload" "$work/gcload.tail" tail 511
"$BOMB" "$FIX/gcload" "$work/gcload.lead" lead 511
chmod 755 "$work"/gcload.*
echo "toolchain of the fixture: $(cat "$FIX/GOVERSION")"
for bin in "$FIX/gcload" "$work/gcload.tail" "$work/gcload.lead"; do
	"$bin" -wait >/dev/null 2>&1 &
	pids+=($!)
	sleep 1
	src=$("$BUILD/goscope" --json stats --agentless "${pids[-1]}" |
		sed -n 's/.*"goroutines": *{[^}]*"source": *"\([^"]*\)".*/\1/p')
	printf '%-12s %-14s %s\n' "$(basename "$bin")" "${src:-?}" \
		"$($B/timeit "$RUNS" "$BUILD/goscope" --json stats --agentless "${pids[-1]}")"
done
