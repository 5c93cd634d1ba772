#!/usr/bin/env bash
# A whole hostUsers: false pod (the chart's userns mode) with podman running:
# every container in a user namespace mapping 0..65535 to host IDs
# 200000..265535, init and sidecar as root there, the job as uid 1600.
# podsock-init hands out root:1:65535, the sidecar runs podman as root of
# the namespace (no newuidmap), the job's `docker run -v` writes as
# container root and as container uid 1234 into a 0700 tree, and the job
# (another UID of the pod) reads and deletes it afterwards: the sidecar
# hands the tree to the project directory's owner.  No process of the
# pod's IDs may be left when the pod ends.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
unshare --help | grep -q -- --map-users || skip "util-linux unshare without --map-users"

cat >"$WORK/job.sh" <<'JOB'
set -e
echo "job-map: $(awk 'NR == 1 { print $1, $2, $3 }' /proc/self/uid_map)"
docker import busybox.tar t/bb >/dev/null
docker run --rm --pull never --network host -v "$CI_PROJECT_DIR:/w" t/bb sh -c '
	echo "container-map: $(awk "NR == 1 { print \$1, \$2, \$3 }" /proc/self/uid_map)"
	echo root >/w/by-root
	mkdir /w/tree && echo x >/w/tree/f && chmod 700 /w/tree /w/tree/f'
docker run --rm --pull never --network host --user 1234:1234 -v "$CI_PROJECT_DIR:/w" t/bb sh -c '
	mkdir /w/tree1234 && echo y >/w/tree1234/g && chmod 700 /w/tree1234 /w/tree1234/g
	stat -c "inside-owner=%u" /w/tree1234/g'
# The hand-back runs when the engine reports the container's death.
for _ in $(seq 50); do
	[ "$(stat -c %u tree1234/g 2>/dev/null)" = "$(id -u)" ] && break
	sleep 0.1
done
echo "after: $(stat -c '%n=%u:%g' by-root tree tree/f tree1234 tree1234/g | tr '\n' ' ')"
cat by-root tree/f tree1234/g
rm -rf by-root tree tree1234
echo "deleted by $(id -u)"
JOB

out=$("$PODSIM" --host-users-false --check-leftovers --pod-dir "$WORK/pod" --log "$WORK/sidecar.log" \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) ||
	fail "the pod failed: $out
sidecar log: $(tail -n 20 "$WORK/sidecar.log")"
echo "$out"
assert_contains "$out" "user=root uid=0 user_added=false subordinate_uids=65535 subordinate_gids=65535 user_namespace=own" \
	"init, as root of the pod's namespace, hands out the other 65535 IDs"
assert_contains "$out" "job-map: 0 200000 65536" "the job runs in the pod's 65536-ID namespace"
assert_contains "$(cat "$WORK/sidecar.log")" '"id_mapping":"root-in-userns"' \
	"the sidecar runs podman as root of the pod's namespace"
assert_contains "$out" "container-map: 0 200000 65536" \
	"nested containers use the pod's IDs (root is the pod's root, host 200000)"
assert_contains "$out" "inside-owner=1234" "container uid 1234 wrote as 1234 (host 201234)"
assert_contains "$out" "after: by-root=$BUILD_UID:$FS_GID tree=$BUILD_UID:$FS_GID tree/f=$BUILD_UID:$FS_GID tree1234=$BUILD_UID:$FS_GID tree1234/g=$BUILD_UID:$FS_GID" \
	"the sidecar handed the tree to the project directory's owner"
assert_contains "$out" "deleted by $BUILD_UID" "the job read and deleted what container root and uid 1234 wrote"
assert_contains "$out" "no process of uid 200000 or its subordinate IDs is left" \
	"nothing of the pod's IDs is left after the pod"
