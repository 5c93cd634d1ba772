#!/usr/bin/env bash
# The main job: `docker run -v "$CI_PROJECT_DIR:/w"` through the sidecar's
# socket, as a non-root job user; the job reads and deletes what the nested
# container wrote.  Also checks the sidecar exits with podman's status 0.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

out=$("$PODSIM" --pod-dir "$WORK/pod" --keep --log "$WORK/sidecar.log" --copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$TOP/test/podsim/jobs/demo.sh:demo.sh" -- sh demo.sh 2>&1) ||
	fail "demo job failed: $out"
echo "$out"
assert_contains "$out" "running as $BUILD_USER (uid $BUILD_UID)" "the job runs as the non-root build user"
assert_contains "$out" "hello from a nested container" "the nested container wrote into /builds through -v"
assert_contains "$out" "read and deleted hello.txt as uid $BUILD_UID" "the job user read and deleted it"
assert_contains "$out" "sidecar exited with status 0" "the sidecar exited with podman's status"
log=$(cat "$WORK/sidecar.log")
assert_contains "$log" '"msg":"listening on /sockets/podman.sock"' "the sidecar logs JSON lines"
assert_contains "$log" '"source":"podman"' "podman's output is passed through, tagged"
# The images live in the storage volume, not in the container's home.
[ -n "$(find "$WORK/pod/storage/storage" -maxdepth 1 -name 'overlay*' 2>/dev/null)" ] ||
	fail "podman did not use the storage volume: $(ls -la "$WORK/pod/storage" 2>&1)"
ok "podman stored images in the storage volume (/var/lib/podsock/storage)"
