#!/usr/bin/env bash
# One storage volume (a PersistentVolumeClaim) shared by two pods at once:
# podsock-init gives each its own graphroot STORAGE/pods/POD_NAME next to the
# shared image store STORAGE/shared; both pods import an image and run
# containers at the same time; then a third pod with the first one's name
# finds its image intact in its graphroot, and the storage of both is there.
. "$(dirname "$0")/../integration/lib.sh"
need_root
need_podman
need_images
vol=$WORK/vol
mkdir -p "$vol"
chown "0:$FS_GID" "$vol" # a volume with the pod's fsGroup, as the kubelet makes it
chmod 2777 "$vol"

job='set -e
docker import busybox.tar "t/$TAG" >/dev/null
for i in 1 2 3 4 5; do
	docker run --rm --network host "t/$TAG" sh -c "echo run-\$0-$TAG" "$i"
done
docker images --format "{{.Repository}}" | sort | tr "\n" " "; echo'

pod() { # NAME TAG
	PODSIM_BIN=$BIN "$PODSIM" --pod-dir "$WORK/$1" --log "$WORK/$1.log" --pod-name "$1" \
		--storage-dir "$vol" --init-env PODSOCK_STORAGE_SHARED=true --job-env "TAG=$2" \
		--copy-in "$IMAGES/busybox.tar:busybox.tar" -- sh -c "$job" >"$WORK/$1.out" 2>&1
}

pod pod-a aaa &
a=$!
pod pod-b bbb &
b=$!
sta=0 stb=0
wait "$a" || sta=$?
wait "$b" || stb=$?
[ "$sta" = 0 ] || fail "pod-a failed ($sta): $(cat "$WORK/pod-a.out")"
[ "$stb" = 0 ] || fail "pod-b failed ($stb): $(cat "$WORK/pod-b.out")"
outa=$(cat "$WORK/pod-a.out") outb=$(cat "$WORK/pod-b.out")
echo "$outa"
assert_contains "$outa" "graphroot=/var/lib/podsock/storage/pods/pod-a shared_image_store=/var/lib/podsock/storage/shared" "pod-a got its own graphroot and the shared store"
assert_contains "$outb" "graphroot=/var/lib/podsock/storage/pods/pod-b" "pod-b got its own graphroot"
assert_contains "$outa" "run-5-aaa" "pod-a ran five containers"
assert_contains "$outb" "run-5-bbb" "pod-b ran five containers at the same time"
assert_contains "$outa" "t/aaa " "pod-a sees its image"
assert_contains "$outb" "t/bbb " "pod-b sees its image"
for p in pod-a pod-b; do
	st=$(stat -c '%u %a' "$vol/storage/pods/$p")
	[ "$st" = "$PODSOCK_UID 700" ] || fail "$p graphroot is '$st', expected '$PODSOCK_UID 700'"
	[ -f "$vol/storage/pods/$p.lock" ] || fail "no lock file for $p"
done
ok "both graphroots belong to the pod user, mode 0700, with their lock files"
[ "$(stat -c %a "$vol/storage/shared")" = 755 ] || fail "shared image store is not 0755"
ok "the shared image store is readable by every pod"

# pod-a again (a restarted pod with the same name): its graphroot is reused,
# the image is still there without an import.
out=$(PODSIM_BIN=$BIN "$PODSIM" --pod-dir "$WORK/pod-a2" --log "$WORK/pod-a2.log" --pod-name pod-a \
	--storage-dir "$vol" -- sh -c 'docker images --format "{{.Repository}}"; docker run --rm --network host t/aaa echo reused' 2>&1) ||
	fail "pod-a again failed: $out"
assert_contains "$out" "shared_image_store=/var/lib/podsock/storage/shared" "the shared mode is found without a flag"
assert_contains "$out" "created=false" "pod-a's graphroot is reused"
assert_contains "$out" "reused" "its image is intact and runs"
