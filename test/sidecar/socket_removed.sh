#!/usr/bin/env bash
# A job empties the socket directory: the sidecar notices within seconds,
# logs what happened and what it does, and exits non-zero so that the kubelet
# restarts it (restartPolicy: Always) and the new one binds the socket again.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
cat >"$WORK/job.sh" <<'JOB'
podsock-probe ready && echo ready-before
rm -f /sockets/podman.sock && echo removed
sleep 5
podsock-probe ready; echo "probe-after=$?"
JOB
out=$("$PODSIM" --log "$WORK/sidecar.log" --copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) ||
	fail "job failed: $out"
assert_contains "$out" "ready-before" "the engine answered before"
assert_contains "$out" "probe-after=1" "the probe reports the socket missing"
assert_contains "$out" "sidecar exited with status 1" "the sidecar exits non-zero, for the kubelet to restart it"
assert_contains "$(cat "$WORK/sidecar.log")" "the socket /sockets/podman.sock was removed" "the sidecar logs what happened"
