#!/usr/bin/env bash
# The socket exists before podman answers, and a client that connects in
# that window is served once podman is up (it waits in the listen backlog
# instead of failing).  No startupProbe gates the job here, as on a cluster
# without native sidecars.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman

cat >"$WORK/early.sh" <<'JOB'
#!/bin/sh
set -u
s=/sockets/podman.sock
i=0
while [ ! -S "$s" ]; do
	i=$((i + 1))
	[ "$i" -lt 200000 ] || { echo "socket never appeared"; exit 3; }
done
# In the window: a client connects and waits for its answer...
curl -sS --max-time 60 --unix-socket "$s" http://d/_ping >early.out 2>&1 &
curl_pid=$!
# ...while a probe with a tiny timeout shows nobody answers yet.
podsock-probe ready --socket "$s" --timeout 5 2>probe.err
echo "probe-in-window-exit=$?"
echo "probe-in-window-says=$(cat probe.err)"
wait "$curl_pid"
echo "early-client-exit=$?"
echo "early-client-got=$(cat early.out)"
JOB
out=$("$PODSIM" --no-startup-probe --copy-in "$WORK/early.sh:early.sh" -- sh early.sh 2>&1) ||
	fail "job failed: $out"
echo "$out"
assert_contains "$out" "probe-in-window-exit=1" "right after the socket appeared, the engine did not answer yet"
assert_contains "$out" "no answer from /sockets/podman.sock within 5 ms" "the connection was accepted and waited"
assert_contains "$out" "early-client-exit=0" "the client that connected in that window succeeded"
assert_contains "$out" "early-client-got=OK" "and got podman's answer"
