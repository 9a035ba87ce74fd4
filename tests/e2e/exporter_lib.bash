# SPDX-License-Identifier: MIT
# Helpers of the exporter's tests (exporter.bats, exporter_hostile.bats):
# start it on a free loopback port, scrape it, read one sample.
# shellcheck shell=bash

# A scratch directory every user may enter (bats' own are private to root).
make_scratch() {
	SCRATCH=$(mktemp -d /tmp/goscope-exporter.XXXXXX)
	chmod 755 "$SCRATCH"
}

# exporter_start [--as 'SETPRIV ARGS' | --pre 'CMD ARGS'] [EXPORTER ARGS...]:
# run the exporter on a free loopback port in the background until it
# serves, as another user (setpriv) or under another command (prlimit);
# sets EXP_PID, EXP_URL, EXP_PORT, EXP_ERR.
exporter_start() {
	local pre=()
	case ${1:-} in
	--as)
		# shellcheck disable=SC2206
		pre=(setpriv $2 --)
		shift 2
		;;
	--pre)
		# shellcheck disable=SC2206
		pre=($2)
		shift 2
		;;
	esac
	EXP_ERR=$BATS_TEST_TMPDIR/exporter.err
	# Not the last run's: the shell may open (truncate) it after wait_for first looks.
	rm -f "$EXP_ERR"
	${pre[@]+"${pre[@]}"} "$GOSCOPE" exporter --listen 127.0.0.1:0 "$@" \
		</dev/null >"$BATS_TEST_TMPDIR/exporter.out" 2>"$EXP_ERR" 3>&- &
	EXP_PID=$!
	if ! wait_for 20 grep -qs 'serving http' "$EXP_ERR"; then
		cat "$EXP_ERR" >&2
		return 1
	fi
	EXP_URL=$(sed -n 's/.*serving \(http:[^ ]*\).*/\1/p' "$EXP_ERR")
	EXP_PORT=${EXP_URL##*:}
	EXP_PORT=${EXP_PORT%%/*}
	[ -n "$EXP_URL" ]
}

# exporter_stop: SIGTERM, and its exit status in EXP_RC.
exporter_stop() {
	EXP_RC=0
	kill -TERM "$EXP_PID"
	wait "$EXP_PID" || EXP_RC=$?
	EXP_PID=
}

scrape() {
	curl -sf --max-time 5 "$EXP_URL"
}

# scrape_has ERE: the exposition has a line matching it.
scrape_has() {
	scrape | grep -qE "$1"
}

scrape_lacks() {
	! scrape | grep -qE "$1"
}

# value NAME{LABELS}: the sample's value in one scrape (empty when absent).
value() {
	scrape | awk -v k="$1" '$1 == k { print $2 }'
}

value_is() {
	[ "$(value "$1")" = "$2" ]
}

# exporter_term_within MS LABEL: SIGTERM ends the exporter within MS
# milliseconds, with exit status 0 and the reason logged; the time it took
# goes to the test log, after "SIGTERM to exit LABEL".
exporter_term_within() {
	local t0 t1 rc=0 ms
	t0=$(date +%s%N)
	kill -TERM "$EXP_PID"
	wait "$EXP_PID" || rc=$?
	t1=$(date +%s%N)
	EXP_PID=
	ms=$(((t1 - t0) / 1000000))
	echo "# SIGTERM to exit $2: $ms ms" >&3
	if [ "$rc" != 0 ] || [ "$ms" -ge "$1" ]; then
		echo "exporter: exit status $rc after $ms ms (limit $1 ms)" >&2
		cat "$EXP_ERR" >&2
		return 1
	fi
	grep -q 'SIGTERM, stopping' "$EXP_ERR"
}
