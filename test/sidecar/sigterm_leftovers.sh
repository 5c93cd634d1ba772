#!/usr/bin/env bash
# SIGTERM to the sidecar while a nested container runs: podman stops, and no
# process of the pod user or its subordinate IDs is left.  The pod shares
# one PID namespace (shareProcessNamespace: true), so the sidecar is not
# PID 1 and the kernel does not clean up for it: the sidecar must.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/detach.sh" <<'JOB'
#!/bin/sh
set -eu
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run -d --network host --name sleeper podsock.test/busybox sleep 1000 >/dev/null
docker ps --format '{{.Names}} {{.Status}}'
JOB
out=$("$PODSIM" --log "$WORK/sidecar.log" --share-pid --check-leftovers --copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$WORK/detach.sh:detach.sh" -- sh detach.sh 2>&1) || fail "pod failed: $out"
echo "$out"
assert_contains "$out" "sleeper Up" "a nested container was running when the pod stopped"
assert_contains "$out" "sidecar exited with status 0" "the sidecar stopped podman and exited 0"
assert_contains "$out" "no process of uid $PODSOCK_UID or its subordinate IDs is left" "nothing left behind"

# With the grace period, the nested container is stopped through the API
# first (podman then stops cleanly), well within the grace.
log=$(cat "$WORK/sidecar.log")
assert_contains "$log" "stopped 1 running container(s) through the API" "the running container was stopped through the API"
start=$(grep -m1 '"msg":"received Terminated' "$WORK/sidecar.log" | sed 's/.*"time":"\([^"]*\)".*/\1/')
end=$(grep -m1 '"msg":"exiting with status' "$WORK/sidecar.log" | sed 's/.*"time":"\([^"]*\)".*/\1/')
elapsed=$(python3 -c 'import sys,datetime as d; f=lambda s: d.datetime.strptime(s,"%Y-%m-%dT%H:%M:%S.%fZ"); print(int((f(sys.argv[2])-f(sys.argv[1])).total_seconds()*1000))' "$start" "$end")
[ "$elapsed" -lt 10000 ] || fail "stopping took ${elapsed} ms, more than the 10 s grace"
ok "stopped within the grace period (${elapsed} ms of 10000)"
