#!/usr/bin/env bash
# Process-list benchmark (issue: foundation §6). Spawns 1,000 processes —
# 900 non-Go sleepers and 100 Go processes of 4 distinct binaries — and times,
# on the same processes in the same run: goscope's list, `ps -e -o
# pid,ppid,comm,args`, and the floor (read /proc/PID/stat + stat /proc/PID/exe
# for every process), then ROUNDS (default 5) rounds of goscope and the floor
# back to back with their ratio. Then the per-binary parse cost of the largest
# corpus binary with a warm page cache. Prints figures; never passes or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FIX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
RUNS=${RUNS:-21}
B=$BUILD/bench

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 900); do sleep 600 & pids+=($!); done
for bin in hello hello.stripped hello.pie hello.cgo; do
	for _ in $(seq 25); do "$FIX/$bin" sleep 600 & pids+=($!); done
done
sleep 1
echo "processes on host: $(ls -d /proc/[0-9]* | wc -l)"
echo "go processes listed by goscope: $($BUILD/goscope | wc -l)"

echo "goscope list: $($B/timeit "$RUNS" "$BUILD/goscope")"
echo "ps -e:        $($B/timeit "$RUNS" ps -e -o pid,ppid,comm,args)"
echo "floor scan:   $($B/timeit "$RUNS" "$B/floor")"
# On a shared machine the load moves between those lines: the ratio to the
# floor is taken within rounds that time the two back to back.
median() { sed -n 's/^median_ms=\([0-9.]*\) .*/\1/p' <<<"$1"; }
for r in $(seq "${ROUNDS:-5}"); do
	g=$($B/timeit "$RUNS" "$BUILD/goscope" 2>/dev/null)
	f=$($B/timeit "$RUNS" "$B/floor")
	echo "round $r: goscope $g; floor $f; ratio $(awk -v g="$(median "$g")" -v f="$(median "$f")" 'BEGIN { printf "%.2f", g / f }')"
done
cleanup
pids=()

for f in "$CORPUS/buf-1.75.0/buf" "$CORPUS/esbuild-0.19.12/esbuild" "$FIX/hello.nobuildinfo"; do
	[ -r "$f" ] && $B/parsecost "$f" 200
done
