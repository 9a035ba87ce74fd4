#!/usr/bin/env bash
# Process-list benchmark (issue: foundation §6). Spawns 1,000 processes —
# 900 non-Go sleepers and 100 Go processes of 4 distinct binaries — and times,
# on the same processes in the same run: goscope's list, `ps -e -o
# pid,ppid,comm,args`, and the floor (read /proc/PID/stat + stat /proc/PID/exe
# for every process), then ROUNDS (default 5) rounds of goscope and the floor
# run in turn (bench/timeit's two-command form) with their ratios. Then the per-binary parse cost of the largest
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
# floor is taken in rounds that run the two in turn, run by run.
for r in $(seq "${ROUNDS:-5}"); do
	echo "round $r: $($B/timeit "$RUNS" "$BUILD/goscope" -- "$B/floor" 2>/dev/null | paste -sd' ')"
done
cleanup
pids=()

for f in "$CORPUS/buf-1.75.0/buf" "$CORPUS/esbuild-0.19.12/esbuild" "$FIX/hello.nobuildinfo"; do
	[ -r "$f" ] && $B/parsecost "$f" 200
done
