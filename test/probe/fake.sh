#!/usr/bin/env bash
# podsock-probe ready against fake servers that misbehave, one case each:
#   fake.sh CASE
# Timeouts must hold: the probe gives up within 50 ms of the timeout asked,
# however the server misbehaves.
. "$(dirname "$0")/lib.sh"

# timeout_holds T: the median of three runs of `ready --timeout T` lies in
# [T, T+50] ms, start-up included; none returns early.  As root the runs
# get real-time priority (SCHED_FIFO, inherited by the probe), so that what
# is measured is the probe's deadline and not the other load of a busy
# 2-core machine: at a load average of 10 plain runs overshot 1000 ms by
# 35-60 ms, most of it waiting for a CPU.
timeout_holds() {
	local t=$1 times=()
	if [ "$(id -u)" = 0 ] && command -v chrt >/dev/null; then
		chrt -f -p 10 $$ >/dev/null 2>&1 || true
	fi
	for _ in 1 2 3; do
		probe ready -s "$SOCK" --timeout "$t"
		[ "$RC" = 1 ] || fail "exited $RC, expected 1: $ERR"
		[ "$MS" -ge "$t" ] || fail "gave up after $MS ms, before the $t ms asked"
		times+=("$MS")
	done
	local median slack note=""
	median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
	slack=$(slack_ms)
	[ "$slack" = 0 ] || note=" (+$slack ms for a sanitizer build's start-up)"
	[ "$median" -le $((t + 50 + slack)) ] ||
		fail "timeout $t ms took ${times[*]} ms (median $median), more than 50 ms over$note"
	ok "timeout $t ms held: ${times[*]} ms$note"
}

case "${1:?usage: fake.sh CASE}" in
ok)
	start_fake ok
	probe ready -s "$SOCK"
	expect 0
	[ -z "$ERR" ] || fail "a ready probe says nothing, but said: $ERR"
	;;
slow)
	start_fake slow --delay 300
	probe ready -s "$SOCK" --timeout 1000
	expect 0
	[ "$MS" -ge 300 ] || fail "answered in $MS ms, before the server did"
	probe ready -s "$SOCK" --timeout 100
	expect 1 "no answer from $SOCK within 100 ms"
	;;
hang)
	start_fake hang
	probe ready -s "$SOCK" --timeout 300
	expect 1 "no answer from $SOCK within 300 ms: the engine is hung or overloaded"
	expect_one_line
	timeout_holds 300
	timeout_holds 1000
	;;
backlog-full)
	# connect itself waits: the timeout covers it too.
	start_fake backlog-full
	probe ready -s "$SOCK" --timeout 300
	expect 1 "accepts no connection within 300 ms"
	timeout_holds 300
	;;
drip)
	# An answer that trickles in must not stretch the timeout.
	start_fake drip --delay 100
	probe ready -s "$SOCK" --timeout 400
	expect 1 "bytes of an answer but not the rest within 400 ms"
	timeout_holds 400
	start_fake drip --delay 1
	probe ready -s "$SOCK" --timeout 1000
	expect 0
	;;
garbage)
	start_fake garbage
	probe ready -s "$SOCK"
	expect 1 "the answer is not HTTP (it begins \"\\x16\\x03\\x01"
	expect_one_line
	;;
garbage-hold)
	# Not HTTP is plain from the first bytes: no need to wait for the timeout.
	start_fake garbage-hold
	probe ready -s "$SOCK" --timeout 5000
	expect 1 "is something other than the engine listening on the socket?"
	[ "$MS" -lt 1000 ] || fail "took $MS ms to see garbage"
	;;
oversized)
	start_fake oversized
	probe ready -s "$SOCK" --timeout 5000
	expect 1 "answer to /_ping is larger than 256 bytes"
	[ "$MS" -lt 1000 ] || fail "took $MS ms: did it read the 64 MiB?"
	;;
oversized-chunked)
	start_fake oversized-chunked
	probe ready -s "$SOCK" --timeout 5000
	expect 1 "larger than"
	[ "$MS" -lt 1000 ] || fail "took $MS ms"
	;;
huge-head)
	start_fake huge-head
	probe ready -s "$SOCK" --timeout 5000
	expect 1 "the head is larger than 64 KiB"
	;;
http500)
	start_fake http500
	probe ready -s "$SOCK"
	expect 1 '/_ping answered HTTP 500: {"cause":"boom","message":"engine fell over","response":500}'
	expect_one_line
	;;
badbody)
	start_fake badbody
	probe ready -s "$SOCK"
	expect 1 "/_ping answered 200 with an unexpected body (4 bytes)"
	;;
short)
	start_fake short
	probe ready -s "$SOCK"
	expect 1 "closed the connection after 5 of 10 body bytes"
	;;
close)
	start_fake close
	probe ready -s "$SOCK"
	expect 1 "closed the connection"
	expect_one_line
	;;
reset)
	start_fake reset
	probe ready -s "$SOCK"
	expect 1 "closed the connection"
	;;
missing)
	probe ready -s "$WORK/nothing-here.sock"
	expect 1 "socket $WORK/nothing-here.sock does not exist: the sidecar has not bound it yet"
	expect_one_line
	[ "$MS" -lt 500 ] || fail "took $MS ms to find no socket"
	;;
stale)
	start_fake stale
	probe ready -s "$SOCK"
	expect 1 "nothing listens on socket $SOCK (a stale socket file)"
	;;
not-a-socket)
	echo hello >"$WORK/plain-file"
	probe ready -s "$WORK/plain-file"
	expect 1 "$WORK/plain-file is not a socket"
	;;
permission)
	need_root "it runs the probe as another user"
	getent passwd "$BUILD_USER" >/dev/null || skip "no user $BUILD_USER: run scripts/bootstrap"
	start_fake ok --mode 0600
	as_build() {
		local t0 t1
		t0=$EPOCHREALTIME
		RC=0
		ERR=$(setpriv --reuid "$BUILD_UID" --regid "$BUILD_UID" --clear-groups -- \
			"$PROBE" ready -s "$SOCK" 2>&1) || RC=$?
		t1=$EPOCHREALTIME
		MS=$(((${t1/./} - ${t0/./}) / 1000))
	}
	as_build
	expect 1 "socket $SOCK (mode 0600, owner 0:0) refuses uid $BUILD_UID: run the job in the pod's fsGroup"
	expect_one_line
	# The same user passes once the socket lets it in: it was the permission.
	chmod 0666 "$SOCK"
	as_build
	expect 0
	;;
wait)
	# wait blocks until the engine answers, and says so.
	(sleep 0.7 && exec "$FAKE" ok "$SOCK" --lifetime 30) &
	late=$!
	probe wait -s "$SOCK" --timeout 10
	kill "$late" 2>/dev/null || true
	wait "$late" 2>/dev/null || true
	expect 0 "engine at $SOCK ready after"
	[ "$MS" -ge 600 ] || fail "ready after $MS ms, before the server started"
	probe wait -s "$WORK/never.sock" --timeout 1500ms
	expect 1 "not ready after"
	[ "$MS" -ge 1500 ] && [ "$MS" -le 1700 ] || fail "wait --timeout 1500ms took $MS ms"
	;;
cli)
	# Usage and configuration errors exit 2 with one line.
	for args in "sleep" "--timeout 1m" "ready --json" "wait --status-file /x" "--bogus" \
		"ready extra"; do
		# shellcheck disable=SC2086
		probe $args
		expect 2 ""
		expect_one_line
	done
	DOCKER_HOST=tcp://127.0.0.1:2375 probe ready
	expect 2 "is not a unix:///path URL"
	start_fake ok
	DOCKER_HOST=unix://$SOCK probe ready
	expect 0
	PODSOCK_SOCKET=$SOCK DOCKER_HOST=unix:///nowhere probe ready
	expect 0
	probe --help
	expect 0
	case "$OUT" in *"live "*"status "*) ok "help lists the modes" ;; *) fail "help: $OUT" ;; esac
	;;
*)
	fail "unknown case $1"
	;;
esac
