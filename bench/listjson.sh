#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Memory amplification in `--json list` and `tree` (docs/security.md §1,
# issue 16 item 9): N processes of one executable whose module info is the
# largest goscope takes (tests/tools/modbomb.c: ~48,000 deps in 4 MiB), for
# N in COUNTS (default "40 200"): wall time, peak RSS and output size of
# `--json list`, `--json tree` and `--json list --max-deps 0`.
#   BUILD=build bench/listjson.sh [RUNS]
#   GOSCOPE=/path/to/other/goscope bench/listjson.sh 1   e.g. a build before the fix
# Each command runs RUNS times (default 5) through bench/timeit: median, min
# and max wall time, and the peak RSS over the runs. A build without
# --max-deps answers that line at once with a usage error (its few bytes shown).
# Benchmarks print figures; they never pass or fail on time.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
GOSCOPE=${GOSCOPE:-$BUILD/goscope}
TIMEIT=$BUILD/bench/timeit
MODBOMB=$root/build/tests/modbomb
RUNS=${1:-5}
read -r -a COUNTS <<<"${COUNTS:-40 200}"

[ -x "$TIMEIT" ] && [ -x "$MODBOMB" ] && [ -x "$GOSCOPE" ] ||
	make -s -C "$root" "$BUILD/bench/timeit" build/tests/modbomb "$BUILD/goscope" >/dev/null

tmp=$(mktemp -d)
pids=()
cleanup() {
	[ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

"$MODBOMB" -t 3600 "$tmp/modbomb"

# one LABEL ARGS...: goscope ARGS, RUNS times, and the size of one output.
one() {
	local label=$1 out ms lo hi rss bytes
	shift
	bytes=$("$GOSCOPE" "$@" 2>/dev/null | wc -c || true)
	out=$("$TIMEIT" "$RUNS" bash -c '"$@" >/dev/null 2>&1; true' sh "$GOSCOPE" "$@")
	read -r ms lo hi rss <<<"$(sed -E 's/median_ms=([0-9.]+) min_ms=([0-9.]+) max_ms=([0-9.]+) maxrss_kb=([0-9]+)/\1 \2 \3 \4/' <<<"$out")"
	printf '  %-28s median %8.1f ms (min %8.1f, max %8.1f)  peak RSS %7.1f MB  output %7.1f MB\n' \
		"$label" "$ms" "$lo" "$hi" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
		"$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')"
}

echo "goscope: $GOSCOPE ($RUNS runs each)"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo "modbomb: $(stat -c %s "$tmp/modbomb") bytes," \
	"$("$GOSCOPE" version -m "$tmp/modbomb" | grep -c "$(printf '\tdep\t')") deps"
have=0
for n in "${COUNTS[@]}"; do
	while [ "$have" -lt "$n" ]; do
		"$tmp/modbomb" </dev/null >/dev/null 2>&1 &
		pids+=($!)
		have=$((have + 1))
	done
	sleep 0.5
	echo "$n processes of it ($("$GOSCOPE" 2>/dev/null | wc -l) Go processes listed in all):"
	one "--json list" --json list
	one "--json tree" --json tree
	one "--json list --max-deps 0" --json list --max-deps 0
	one "list (text)" list
done
