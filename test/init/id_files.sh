#!/usr/bin/env bash
# A UID with no passwd entry (OpenShift's restricted SCC gives 1000680000):
# podsock-init writes subuid, subgid, passwd and group for it, the sidecar
# gets them over its /etc files (as the chart mounts them), and a nested
# container gets a full 65536-ID mapping instead of single-ID mode; a nested
# non-root user writes into the project directory through -v.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
uid=1000680000
! getent passwd "$uid" >/dev/null || skip "uid $uid has a passwd entry on this machine"

out=$(PODSIM_BIN=$BIN "$PODSIM" --pod-dir "$WORK/pod" --log "$WORK/sidecar.log" --pod-uid "$uid" \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" -- sh -c '
	docker import busybox.tar t/bb >/dev/null
	docker run --rm --network host --user 1234 -v "$CI_PROJECT_DIR:/w" t/bb \
		sh -c "cat /proc/self/uid_map; echo hi > /w/from-1234.txt; stat -c \"inside-owner=%u\" /w/from-1234.txt"
	ls -ln from-1234.txt' 2>&1) || fail "job failed: $out"
echo "$out"
assert_contains "$out" "user=podsock" "init names the UID (podsock, or podsock-UID when podsock is taken)"
assert_contains "$out" "uid=$uid user_added=true" "init added a passwd entry for the unknown UID"
assert_contains "$out" "subordinate_uids=65536 subordinate_gids=65536" "and 65536 subordinate IDs"
# The nested container's map: root is the pod UID, 1.. the subordinate range.
echo "$out" | grep -Eq "^ +0 +$uid +1$" || fail "container root is not uid $uid"
echo "$out" | grep -Eq "^ +1 +100000 +65536$" || fail "no 65536-ID range in the nested container (single-ID mode?)"
ok "the nested container maps 65536 IDs for a UID without a passwd entry"
assert_contains "$out" "inside-owner=1234" "a nested uid 1234 wrote into the project directory (outside: subordinate uid 101233 until the sidecar hands it back)"
