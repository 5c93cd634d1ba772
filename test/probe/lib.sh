# shellcheck shell=bash
# Shared by podsock-probe's shell tests: a fake server to start and stop, a
# way to run the probe and look at what it did, and a podsim pod to run a job
# in.  Where things are, WORK, skip, fail, ok and need_* come from the
# integration tests' lib.sh.  Each test exits 0 (pass), 1 (fail) or 77 (skip,
# with the reason on stdout).
# shellcheck source=../common/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
PROBE=$BIN/podsock-probe
FAKE=$BUILD/test-bin/probe-fakeserver

# The probe reads these; a test sets what it means to.
unset DOCKER_HOST PODSOCK_SOCKET PODSOCK_STATUS_FILE

chmod 0755 "$WORK" # other users (the permission test) must reach the socket
SOCK=$WORK/engine.sock
FAKE_PID=""

cleanup() {
	stop_fake
	rm -rf "$WORK"
}
trap cleanup EXIT

# run_podsim_job [PODSIM OPTIONS...]: runs $WORK/job.sh as the job of a
# podsim pod in $WORK/pod, kept afterwards, and changes into the job's build
# directory, where the job leaves its results.  remove_pod removes the pod.
run_podsim_job() {
	local out
	out=$("$PODSIM" --pod-dir "$WORK/pod" --keep --log "$WORK/sidecar.log" "$@" \
		--copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) ||
		fail "the job failed: $out
sidecar log: $(tail -n 30 "$WORK/sidecar.log")"
	cd "$WORK/pod/builds/demo" || fail "no results in $WORK/pod/builds/demo"
}

remove_pod() {
	cd /
	rm -rf --one-file-system "$WORK/pod" 2>/dev/null || rm -rf --one-file-system "$WORK/pod" || true
}

# start_fake MODE [FAKESERVER OPTIONS]: serves $SOCK until stop_fake.
start_fake() {
	local mode=$1
	shift
	stop_fake
	[ -x "$FAKE" ] || fail "$FAKE is missing: build first"
	"$FAKE" "$mode" "$SOCK" --lifetime 120 "$@" &
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -e "$SOCK.ready" ] && return 0
		[ "$mode" = stale ] && [ -S "$SOCK" ] && ! kill -0 "$FAKE_PID" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "probe-fakeserver $mode did not start"
}

stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
		FAKE_PID=""
	fi
	rm -f "$SOCK.ready"
}

# shellcheck disable=SC2034 # OUT is for the scripts that source this
# probe [ARGS...]: runs podsock-probe; sets RC, OUT (stdout), ERR (stderr)
# and MS (wall time in milliseconds, start-up included).
probe() {
	local t0 t1
	t0=$EPOCHREALTIME
	RC=0
	"$PROBE" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	t1=$EPOCHREALTIME
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
	MS=$(((${t1/./} - ${t0/./}) / 1000))
}

# expect RC [TEXT_ON_STDERR]: the last probe exited RC and said TEXT.
expect() {
	local want=$1 text=${2:-}
	[ "$RC" = "$want" ] || fail "podsock-probe exited $RC, expected $want; stderr: $ERR"
	if [ -n "$text" ]; then
		case "$ERR" in
		*"$text"*) ;;
		*) fail "stderr does not say '$text': $ERR" ;;
		esac
	fi
	ok "exit $RC${text:+, says '$text'} (${MS} ms)"
}

# expect_one_line: the convention, one line on stderr saying why.
expect_one_line() {
	[ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || fail "expected one line on stderr, got: $ERR"
}

# slack_ms: what a timing bound allows on top of the timeout besides its 50 ms.
# 0 for the binaries as shipped; in a sanitizer build (PODSOCK_SANITIZE) the
# start-up and exit of ASan (shadow memory, leak check: about 80 ms here),
# measured as the median of three runs that fail at once.
slack_ms() {
	local t=()
	grep -qs '^PODSOCK_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" || { echo 0; return; }
	for _ in 1 2 3; do
		probe ready -s "$WORK/no-such.sock"
		t+=("$MS")
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
}

now_ms() {
	echo $((${EPOCHREALTIME/./} / 1000))
}

# write_status FILE STATE UPDATED_MS BACKOFF_UNTIL_MS [REASON]
write_status() {
	printf '{"state":"%s","engine_pid":42,"restarts":2,"backoff_until_ms":%s,"updated_ms":%s,"driver":"overlay","disk_used_bytes":1048576,"disk_limit_bytes":10737418240,"last_prune_ms":0,"reason":"%s"}\n' \
		"$2" "$4" "$3" "${5:-}" >"$1"
}
