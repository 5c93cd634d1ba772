#!/usr/bin/env bash
# `docker exec` does not pile up conmon processes.  podman keeps each exec
# session's conmon for containers.conf's exit_command_delay (300 s by
# default) before it removes the session; the sidecar sets 5 s
# (sidecar/engine.c).  After N execs the pod's conmon count must come back
# to one per running container within seconds, and every exec's output and
# exit code must be what the command gave.  Runs on the host's podman
# (image.exec_cleanup) and, with PODSIM_ROOTFS, on the image's
# (image.pod.image.exec_cleanup).
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

N=${EXEC_CLEANUP_N:-8}
cat >"$WORK/job.sh" <<'JOB'
#!/bin/sh
# The pod shares one PID namespace: the job sees the sidecar's processes.
set -u
N=$1
conmons() { n=0; for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = conmon ] && n=$((n + 1)); done; echo "$n"; }
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run -d --network host --name target podsock.test/busybox sleep 1000 >/dev/null || exit 1
echo "conmon with one container: $(conmons)"
i=1
while [ "$i" -le "$N" ]; do
	out=$(docker exec target sh -c "echo exec-out-$i; echo exec-err-$i >&2; exit $((i % 4))" 2>&1)
	echo "exec $i: status $? output $(echo "$out" | tr '\n' ' ')"
	i=$((i + 1))
done
echo "conmon right after $N execs: $(conmons)"
waited=0
while [ "$(conmons)" -gt 1 ] && [ "$waited" -lt 30 ]; do
	sleep 1
	waited=$((waited + 1))
done
echo "conmon after ${waited} s: $(conmons)"
# The exec sessions are gone from the engine too: the container still runs.
docker exec target true
echo "exec after cleanup: status $?"
JOB
out=$("$PODSIM" --share-pid --log "$WORK/sidecar.log" --copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$WORK/job.sh:job.sh" -- sh job.sh "$N" 2>&1) || fail "pod failed: $out"
echo "$out"
assert_contains "$out" "conmon with one container: 1" "one conmon for the one running container"
for i in $(seq "$N"); do
	assert_contains "$out" "exec $i: status $((i % 4)) output exec-out-$i exec-err-$i " \
		"exec $i: its output and exit status $((i % 4)), as docker gives them"
done
after=$(sed -n "s/^conmon right after $N execs: //p" <<<"$out")
if [ "${after:-0}" -gt 1 ]; then
	ok "$after conmon processes right after the execs (exec conmons linger for the delay)"
else
	echo "note: the exec conmons were gone before the count ($after): the execs took longer than the delay"
fi
waited=$(sed -n 's/^conmon after \([0-9]*\) s: 1$/\1/p' <<<"$out")
[ -n "$waited" ] || fail "exec conmons still running 30 s after $N execs: $(grep '^conmon after' <<<"$out")"
[ "$waited" -le 10 ] || fail "exec conmons took $waited s to go, more than 10"
ok "the conmon count is back to the container count $waited s after the last exec"
assert_contains "$out" "exec after cleanup: status 0" "exec still works once the sessions were removed"
assert_contains "$out" "sidecar exited with status 0" "the sidecar stopped cleanly"
assert_contains "$(cat "$WORK/sidecar.log")" '"exec_cleanup_delay_s":"5"' "the sidecar logged the exec cleanup delay it wrote"
