#!/usr/bin/env bash
# The three binaries' command lines: --help, --version, documented exit codes,
# and a clear error for each bad input a user can give.
. "$(dirname "$0")/../common/lib.sh"

for b in podsock-init podsock-sidecar podsock-probe; do
	run_expect 0 "$BIN/$b" --help
	assert_contains "$OUT" "Usage: $b" "$b --help prints its usage"
	assert_contains "$OUT" "Exit status" "$b --help documents its exit codes"
	run_expect 0 "$BIN/$b" --version
	assert_contains "$OUT" "$b 0." "$b --version"
	run_expect 2 "$BIN/$b" --no-such-flag
	assert_contains "$OUT" "unknown option '--no-such-flag'" "$b rejects unknown flags with exit 2"
done

# podsock-init: the socket directory.
run_expect 0 "$BIN/podsock-init" --log-format text --socket-dir "$WORK/s1"
assert_contains "$OUT" "created socket directory" "init creates the socket directory"
[ "$(stat -c %a "$WORK/s1")" = 2770 ] || fail "socket directory mode $(stat -c %a "$WORK/s1"), want 2770"
ok "socket directory has mode 2770"
run_expect 0 "$BIN/podsock-init" --log-format text --socket-dir "$WORK/s1"
assert_contains "$OUT" "socket directory ready" "init is idempotent"
touch "$WORK/file"
run_expect 1 "$BIN/podsock-init" --socket-dir "$WORK/file"
assert_contains "$OUT" "is not a directory; mount an emptyDir" "init refuses a file in the way"
run_expect 2 "$BIN/podsock-init" --socket-dir relative/dir
assert_contains "$OUT" "must be an absolute path" "init refuses a relative path"
run_expect 2 "$BIN/podsock-init" --socket-dir-mode 0070
assert_contains "$OUT" "lets the owner in" "init refuses a mode that locks the owner out"
PODSOCK_SOCKET_DIR_MODE=abc run_expect 2 "$BIN/podsock-init"
assert_contains "$OUT" "PODSOCK_SOCKET_DIR_MODE: 'abc'" "a bad environment value names the variable"
run_expect 2 "$BIN/podsock-init" --socket-group no-such-group-zz
assert_contains "$OUT" "no group 'no-such-group-zz'" "init refuses an unknown group"
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$WORK/locked" && chmod 0755 "$WORK" "$WORK/locked"
	run_expect 1 setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		"$BIN/podsock-init" --log-format text --socket-dir "$WORK/locked"
	assert_contains "$OUT" "is not writable by uid 65534; set the pod's fsGroup" "init names the fix for an unwritable directory"
fi

# podsock-sidecar: refuses a socket someone else serves, and a bad podman.
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(30)' \
	"$WORK/busy.sock" &
busy=$!
for _ in $(seq 100); do [ -S "$WORK/busy.sock" ] && break; sleep 0.05; done
run_expect 1 "$BIN/podsock-sidecar" --log-format text --socket "$WORK/busy.sock" \
	--runtime-dir "$WORK/run" --storage "$WORK/storage"
assert_contains "$OUT" "is in use: another engine already listens on it" "the sidecar refuses a live socket"
kill "$busy"
wait "$busy" 2>/dev/null || true
run_expect 2 "$BIN/podsock-sidecar" --socket-mode 999
assert_contains "$OUT" "is not an octal mode like 0660" "the sidecar refuses a bad mode"
run_expect 127 "$BIN/podsock-sidecar" --log-format text --socket "$WORK/p.sock" \
	--runtime-dir "$WORK/run" --storage "$WORK/storage" --podman /nonexistent/podman
assert_contains "$OUT" "podman could not be executed (/nonexistent/podman)" "a missing podman is named, exit 127"
[ ! -e "$WORK/p.sock" ] || fail "the socket stayed after the sidecar exited"
ok "no socket is left when the sidecar exits"

# podsock-probe: exit 1 with a reason, 2 on usage errors.
run_expect 1 "$BIN/podsock-probe" --socket "$WORK/none.sock"
assert_contains "$OUT" "not ready: socket $WORK/none.sock does not exist" "probe: missing socket"
run_expect 2 "$BIN/podsock-probe" --timeout 10x
assert_contains "$OUT" "is not a duration" "probe: bad timeout"
run_expect 2 "$BIN/podsock-probe" sideways
assert_contains "$OUT" "unknown mode 'sideways'" "probe: unknown mode"
DOCKER_HOST=tcp://docker:2376 run_expect 2 "$BIN/podsock-probe"
assert_contains "$OUT" "is not a unix:///path URL" "probe: DOCKER_HOST must be unix://"
