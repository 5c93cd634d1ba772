#!/usr/bin/env bash
# podsock-init twice (a restarted pod), then the sidecar: the second run finds
# everything in place, changes nothing that matters, and the engine works.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

out=$(PODSIM_BIN=$BIN "$PODSIM" --pod-dir "$WORK/pod" --keep --log "$WORK/sidecar.log" --init-twice \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" -- sh -c '
	docker import busybox.tar t/bb >/dev/null &&
	docker run --rm --network host -v "$CI_PROJECT_DIR:/w" t/bb sh -c "echo twice > /w/t.txt" &&
	cat t.txt' 2>&1) || fail "job failed: $out"
echo "$out"
assert_contains "$out" "podsock-init (run 2)" "init ran twice"
[ "$(echo "$out" | grep -c 'wrote identity files.*subordinate_uids=65536')" = 2 ] ||
	fail "both runs should write the same identity files"
ok "both runs wrote the identity files with 65536 IDs"
assert_contains "$out" "storage ready graphroot=/var/lib/podsock/storage shared_image_store=none created=true" "run 1 created the storage"
assert_contains "$out" "storage ready graphroot=/var/lib/podsock/storage shared_image_store=none created=false" "run 2 found it"
assert_contains "$out" "twice" "the sidecar's engine ran a container after two inits"
assert_contains "$out" "sidecar exited with status 0" "the sidecar stopped cleanly"
st=$(stat -c '%u %a' "$WORK/pod/storage/storage")
[ "$st" = "$PODSOCK_UID 700" ] || fail "storage dir is '$st', expected '$PODSOCK_UID 700'"
ok "the storage directory is the pod user's, mode 0700"
