#!/usr/bin/env bash
# Agentless goroutine dump benchmark (issue: agentless goroutine dump, How).
# A Go program (stackdemo many N, Go 1.22) holds N goroutines parked on a
# channel; goscope dumps them from memory RUNS times: wall time and peak RSS
# (bench/timeit), CPU time (user + system, from getrusage of each run), and
# with --freeze how long the target was stopped (goscope's own report).
#   BUILD=build bench/stack.sh [N] [RUNS]      (default 10000 21)
# Prints figures; never passes or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FIX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
N=${1:-10000}
RUNS=${2:-21}
B=$BUILD/bench
bin=$FIX/stackdemo/1.22/stackdemo

[ -x "$bin" ] || { echo "bench/stack.sh: $bin missing (make fixtures)" >&2; exit 1; }
log=$(mktemp)
"$bin" many "$N" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 600); do grep -q READY "$log" && break; sleep 0.05; done
grep -q READY "$log" || { echo "stackdemo did not start" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "goroutines: $("$BUILD/goscope" stack --agentless "$pid" | grep -c '^goroutine ')"
echo "text:    $($B/timeit "$RUNS" "$BUILD/goscope" stack --agentless "$pid")"
echo "json:    $($B/timeit "$RUNS" "$BUILD/goscope" --json stack --agentless "$pid")"
echo "summary: $($B/timeit "$RUNS" "$BUILD/goscope" stack --agentless --summary "$pid")"
echo "freeze:  $($B/timeit "$RUNS" "$BUILD/goscope" stack --freeze "$pid")"

cpu=$(for _ in $(seq "$RUNS"); do
	/usr/bin/time -f '%U %S' "$BUILD/goscope" stack --agentless "$pid" 2>&1 >/dev/null |
		awk '{printf "%.0f\n", ($1 + $2) * 1000}'
done | median)
echo "text cpu (user+sys) median: ${cpu} ms"

phases=$(for _ in $(seq "$RUNS"); do
	"$BUILD/goscope" -v stack --agentless "$pid" 2>&1 >/dev/null | sed -n 's/.*opening \([0-9.]*\) ms, reading \([0-9.]*\) ms, printing \([0-9.]*\) ms.*/\1 \2 \3/p'
done)
echo "phases median: opening $(awk '{print $1}' <<<"$phases" | median) ms, reading $(awk '{print $2}' <<<"$phases" | median) ms, printing $(awk '{print $3}' <<<"$phases" | median) ms"

stops=$(for _ in $(seq "$RUNS"); do
	"$BUILD/goscope" stack --freeze "$pid" 2>&1 >/dev/null | sed -n 's/.*stopped for \([0-9.]*\) ms.*/\1/p'
done)
echo "freeze stop time: median $(median <<<"$stops") ms, min $(sort -n <<<"$stops" | head -1) ms, max $(sort -n <<<"$stops" | tail -1) ms"
echo "load: $(cat /proc/loadavg)"
