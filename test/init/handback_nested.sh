#!/usr/bin/env bash
# Ownership hand-back with a real rootless podman in the local job pod:
# nested containers write into /builds/<project> as container root and as
# container uid 1234 (a subordinate ID outside, which the job cannot delete);
# while the job waits, the test joins the engine's user namespace as the pod
# user, the way the sidecar will (handback_in_userns), and the job then reads
# and deletes everything.  The job also checks that it could NOT delete the
# files before, so the test fails if the hand-back does nothing.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
TOOL=$BUILD/test-bin/podsock-handback-tool
[ -x "$TOOL" ] || fail "$TOOL is missing: build first"
chmod 0755 "$WORK" # the pod user walks the project dir by its host path

project=handback
# The sidecar's own hand-back (paths.handBack) is off here: this test drives
# the library by hand to see the state before it.
"$PODSIM" --pod-dir "$WORK/pod" --project "$project" --log "$WORK/sidecar.log" \
	--sidecar-arg --set=paths.handBack=false \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$TOP/test/init/jobs/handback_job.sh:job.sh" -- sh job.sh >"$WORK/out" 2>&1 &
pod=$!
dir=$WORK/pod/builds/$project

# The engine's user namespace: a process of the pod user whose user
# namespace is not the host's and whose root holds this pod's project dir.
engine_pid() {
	local p host_ns
	host_ns=$(readlink /proc/self/ns/user)
	for p in /proc/[0-9]*; do
		[ "$(stat -c %u "$p" 2>/dev/null)" = "$PODSOCK_UID" ] || continue
		[ "$(readlink "$p/ns/user" 2>/dev/null)" != "$host_ns" ] || continue
		[ -e "$p/root/builds/$project/.handback-ready" ] || continue
		echo "${p#/proc/}"
		return 0
	done
	return 1
}

for _ in $(seq 1 1200); do
	[ -e "$dir/.handback-ready" ] && break
	kill -0 "$pod" 2>/dev/null || break
	sleep 0.1
done
[ -e "$dir/.handback-ready" ] || { wait "$pod" || true; fail "the job never got ready: $(cat "$WORK/out")"; }
pid=$(engine_pid) || fail "no process of uid $PODSOCK_UID in the engine's user namespace"
# Before: the nested user's files belong to a subordinate ID.
owner=$(stat -c %u "$dir/nested/deep/f.txt")
[ "$owner" -ge "$SUBID_START" ] || fail "f.txt belongs to $owner, expected a subordinate ID"
ok "container uid 1234 wrote f.txt as subordinate uid $owner"
report=$(setpriv --reuid "$PODSOCK_UID" --regid "$PODSOCK_UID" --clear-groups -- "$TOOL" "$pid" "$dir") ||
	fail "hand-back failed: $report"
echo "hand-back: $report"
touch "$dir/.handback-done"
st=0
wait "$pod" || st=$?
out=$(cat "$WORK/out")
echo "$out"
[ "$st" = 0 ] || fail "the job failed with status $st"
assert_contains "$out" "before: cannot delete nested" "before the hand-back the job cannot delete the nested user's tree"
assert_contains "$out" "before: cannot delete rootdir/r.txt" "nor the file of container root in its 0755 directory"
assert_contains "$out" "read: from-1234 from-root" "after it, the job reads both"
assert_contains "$out" "deleted nested and rootdir as uid $BUILD_UID" "and deletes both"
assert_contains "$report" "chowned=3" "three entries of uid 1234 handed back (nested, deep, f.txt)"
assert_contains "$report" "failed=0" "no entry failed"
