#!/usr/bin/env bash
# podsock-probe live: the engine's answer, and when there is none, the
# sidecar's status file, one case each:  live.sh CASE
. "$(dirname "$0")/lib.sh"

STATUS=$WORK/status.json
now=$(now_ms)

case "${1:?usage: live.sh CASE}" in
answers)
	# An engine that answers is alive, whatever the status file says, and the
	# status file is not even read.
	start_fake ok
	echo 'not json' >"$STATUS"
	probe live -s "$SOCK" --status-file "$STATUS"
	expect 0
	[ -z "$ERR" ] || fail "said: $ERR"
	;;
hung-running)
	start_fake hang
	write_status "$STATUS" running "$now" 0
	probe live -s "$SOCK" --status-file "$STATUS" --timeout 300
	expect 1 "not alive: engine does not answer (hung?) though the sidecar reports it running (pid 42)"
	expect_one_line
	slack=$(slack_ms)
	[ "$MS" -le $((350 + slack)) ] || fail "live took $MS ms with a 300 ms timeout"
	;;
hung-no-status)
	start_fake hang
	probe live -s "$SOCK" --status-file "$WORK/none.json" --timeout 200
	expect 1 "no status file at $WORK/none.json"
	;;
status-from-env)
	start_fake hang
	write_status "$STATUS" running "$now" 0
	PODSOCK_STATUS_FILE=$STATUS probe live -s "$SOCK" --timeout 200
	expect 1 "(hung?)"
	;;
restarting)
	# podman was killed; the sidecar waits out its backoff: alive, with a note.
	start_fake hang
	write_status "$STATUS" restarting "$now" $((now + 5000))
	probe live -s "$SOCK" --status-file "$STATUS" --timeout 200
	expect 0 "alive: the sidecar is restarting the engine (restarts: 2;"
	expect_one_line
	# Between podman's death and its restart the socket may be gone or refuse.
	probe live -s "$WORK/gone.sock" --status-file "$STATUS"
	expect 0 "alive: the sidecar is restarting the engine"
	;;
starting)
	start_fake hang
	write_status "$STATUS" starting $((now - 10000)) 0
	probe live -s "$SOCK" --status-file "$STATUS" --timeout 200
	expect 0 "alive: the sidecar is starting the engine"
	;;
starting-too-long)
	start_fake hang
	write_status "$STATUS" starting $((now - 45000)) 0
	probe live -s "$SOCK" --status-file "$STATUS" --timeout 200
	expect 1 "not alive: the engine has been starting for 45 s, past the backoff and the 30 s start allowance"
	;;
failed)
	write_status "$STATUS" failed "$now" 0 "podman exited 125 five times in a row"
	probe live -s "$WORK/gone.sock" --status-file "$STATUS"
	expect 1 "the sidecar reports the engine failed (podman exited 125 five times in a row)"
	;;
bad-status-file)
	start_fake hang
	echo '{"state":"running","restarts":"two"}' >"$STATUS"
	probe live -s "$SOCK" --status-file "$STATUS" --timeout 200
	expect 1 "status file $STATUS: key 'restarts' is not a non-negative integer"
	expect_one_line
	;;
answers-500)
	# An error answer is no answer (the sidecar's gateway answers 503 when
	# podman is gone): the status file decides.
	start_fake http500
	probe live -s "$SOCK" --status-file "$WORK/none.json"
	expect 1 "not alive: /_ping answered HTTP 500"
	write_status "$STATUS" restarting "$now" $((now + 5000))
	probe live -s "$SOCK" --status-file "$STATUS"
	expect 0 "alive: the sidecar is restarting the engine"
	;;
*)
	fail "unknown case $1"
	;;
esac
