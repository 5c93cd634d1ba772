#!/usr/bin/env bash
# Files that nested containers write into /builds/<project>, as root and as a
# non-root user (--user 1234, a subordinate ID outside), end up readable and
# deletable by the job's user (another UID in the fsGroup): the sidecar hands
# them back when the container dies.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/job.sh" <<'JOB'
#!/bin/sh
set -u
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm -v "$CI_PROJECT_DIR:/w" podsock.test/busybox \
	sh -c 'mkdir -p /w/byroot && echo root-data > /w/byroot/f'
docker run --rm --user 1234:1234 -v "$CI_PROJECT_DIR:/w" podsock.test/busybox \
	sh -c 'umask 077; mkdir -p /w/byuser/deep && echo user-data > /w/byuser/deep/f'
echo "owner-root=$(stat -c %u byroot/f) owner-user=$(stat -c %u byuser/deep/f 2>/dev/null || echo unreadable)"
# The hand-back runs when the engine reports the container's death, a
# moment after `docker run` returns: wait for it, at most 5 s.
i=0
while ! cat byuser/deep/f >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "waited-ms=$((i * 100))"
echo "read-root=$(cat byroot/f) read-user=$(cat byuser/deep/f)"
rm -rf byroot byuser && echo deleted-all
# A detached container that ends on its own, with no docker call waiting for
# it: the event follower hands it back, from the gateway's record.
docker run -d --user 1234:1234 -v "$CI_PROJECT_DIR:/w" podsock.test/busybox \
	sh -c 'umask 077; mkdir -p /w/detached/deep && echo detached-data > /w/detached/deep/f' >/dev/null
i=0
while ! rm -rf detached 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e detached ] || echo "deleted-detached after $((i * 100)) ms"
ls -A
JOB
out=$("$PODSIM" --log "$WORK/sidecar.log" --copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) || fail "job failed: $out"
echo "$out" | grep -v '^podsim'
assert_contains "$out" "read-root=root-data" "the job reads what container root wrote"
assert_contains "$out" "read-user=user-data" "the job reads what container uid 1234 wrote in a 0700 tree"
assert_contains "$out" "deleted-all" "the job deletes both trees"
assert_contains "$out" "deleted-detached" "what a detached container wrote is handed back at its death (event follower)"
assert_contains "$(cat "$WORK/sidecar.log")" '"on":"died"' "... by the follower, from the gateway's record"
assert_contains "$(cat "$WORK/sidecar.log")" '"msg":"handed files back to the pod user"' "the sidecar logged the hand-back"
