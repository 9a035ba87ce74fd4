#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# goscope watch under an exec storm (run as root):
#   BUILD=build bench/watch.sh [SECONDS] [RUNS]
#   WATCH_NICE=-10 BUILD=build bench/watch.sh     goscope at a higher priority
#
# For each scenario, two spawners (bench/watch_spawn, posix_spawn of
# /bin/true, 8 in flight each; every 100th spawn is the Go fixture hello)
# run for SECONDS (default 10) while goscope watch --json records; RUNS
# (default 2) repeats of everything, so the spread shows. Per run it prints:
#   rate       execs per second the spawners reached
#   go         Go starts reported / spawned (each exactly once?)
#   seen       with --all: starts reported / all spawned (poll: what it saw)
#   lost       lost-event records' total
#   p50, p99   latency_us of the start lines (exec to line printed)
#   cpu        goscope's user+system time during the storm, % of one core
# Scenarios: max rate (Go only; and --all), 1,000 execs/s (Go only; --all),
# and the BPF-free baseline, goscope watch --poll --all at 100 ms.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
GOSCOPE=${GOSCOPE:-$BUILD/goscope}
SPAWN=$BUILD/bench/watch_spawn
HELLO=${GOSCOPE_FIXTURES:-$BUILD/fixtures}/hello
SECS=${1:-10}
RUNS=${2:-2}
HZ=$(getconf CLK_TCK)
# WATCH_NICE=-10: run goscope at a higher priority, to tell its own cost
# from the time it waits for a CPU on a busy machine.
NICE=${WATCH_NICE:-0}

die() { echo "bench/watch.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
for f in "$GOSCOPE" "$SPAWN" "$HELLO"; do
	[ -x "$f" ] || die "missing $f (make all $BUILD/bench/watch_spawn fixtures)"
done
command -v jq >/dev/null || die "needs jq"

tmp=$(mktemp -d)
wpid=
cleanup() {
	[ -n "$wpid" ] && kill -KILL "$wpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# percentile P FILE: the P-th percentile of the numbers in FILE (one per line).
percentile() {
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		print v[i] }'
}

# matched A B: how many lines of multiset A are also in multiset B.
matched() {
	join <(sort "$1" | uniq -c | awk '{ print $2, $1 }' | sort) \
	     <(sort "$2" | uniq -c | awk '{ print $2, $1 }' | sort) |
		awk '{ s += ($2 < $3 ? $2 : $3) } END { print s + 0 }'
}

# scenario NAME RATE WATCH-ARGS...: RATE 0 is as fast as possible (per spawner).
scenario() {
	local name=$1 rate=$2 out=$tmp/out err=$tmp/err t0 t1 c0 c1 spawned gos
	shift 2
	nice -n "$NICE" "$GOSCOPE" watch --json "$@" >"$out" 2>"$err" &
	wpid=$!
	for _ in $(seq 100); do
		grep -qE 'watch: (watching|polling)' "$err" && break
		sleep 0.1
	done
	sleep 0.3
	c0=$(cpu_ticks "$wpid")
	t0=$(date +%s.%N)
	"$SPAWN" -t "$SECS" -r "$rate" -j 8 -g "$HELLO" -e 100 -o "$tmp/s1" 2>"$tmp/e1" &
	local s1=$!
	"$SPAWN" -t "$SECS" -r "$rate" -j 8 -g "$HELLO" -e 100 -o "$tmp/s2" 2>"$tmp/e2"
	wait "$s1"
	t1=$(date +%s.%N)
	sleep 0.5	# the last exits and classifications
	c1=$(cpu_ticks "$wpid")
	kill -INT "$wpid"
	wait "$wpid" || true
	wpid=

	cat "$tmp/s1" "$tmp/s2" >"$tmp/all"
	spawned=$(wc -l <"$tmp/all")
	gos=$(awk '$1 == "g"' "$tmp/all" | wc -l)
	awk '$1 == "g" { print $2 }' "$tmp/all" >"$tmp/go.pids"
	awk '{ print $2 }' "$tmp/all" >"$tmp/all.pids"
	jq -r 'select((.event == "start") and .go.path == "example.com/goscope/hello") | .pid' \
		"$out" >"$tmp/go.seen"
	jq -r 'select(.event == "start") | .pid' "$out" >"$tmp/all.seen"
	jq -r 'select(.event == "start" and .latency_us != null) | .latency_us' "$out" >"$tmp/lat"
	local lost go_ok all_ok dur cpu
	lost=$(jq -s '[.[] | select(.event == "lost") | .count] | add // 0' "$out")
	go_ok=$(matched "$tmp/go.pids" "$tmp/go.seen")
	all_ok=$(matched "$tmp/all.pids" "$tmp/all.seen")
	dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	cpu=$(awk -v c="$((c1 - c0))" -v hz="$HZ" -v d="$dur" 'BEGIN { print c / hz / (d + 0.5) * 100 }')
	printf '| %-24s | %6.0f | %5s/%-5s | %6s/%-6s | %4s | %8s | %8s | %5.1f%% |\n' \
		"$name" "$(awk -v n="$spawned" -v d="$dur" 'BEGIN { print n / d }')" \
		"$go_ok" "$gos" "$all_ok" "$spawned" \
		"$lost" "$(percentile 50 "$tmp/lat")" "$(percentile 99 "$tmp/lat")" "$cpu"
}

echo "goscope watch storm: $SECS s per run, $RUNS runs, $(nproc) CPUs, kernel $(uname -r), nice $NICE"
psi() { awk '/^some/ { sub("avg60=", "", $3); print $3 "%" }' /proc/pressure/cpu 2>/dev/null || echo "n/a"; }
echo "latency in microseconds; seen = starts reported / execs (only meaningful with --all)"
echo "CPU pressure (PSI some, avg60) at the start: $(psi)"
echo
echo '| scenario                 | exec/s |   go seen   |  all seen     | lost |  p50 us  |  p99 us  |  cpu   |'
echo '|---|---|---|---|---|---|---|---|'
for run in $(seq "$RUNS"); do
	scenario "max rate"                0   --new-only
	scenario "max rate, --all"         0   --new-only --all
	scenario "1,000/s"                 500 --new-only
	scenario "1,000/s, --all"          500 --new-only --all
	scenario "/proc poll 100 ms, --all" 0  --new-only --all --poll
	: "$run"
done
echo
echo "CPU pressure (PSI some, avg60) at the end: $(psi)"
