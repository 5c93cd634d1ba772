#!/usr/bin/env bash
# One storage volume (a PersistentVolumeClaim) shared by pods: first a
# writer pod (PODSOCK_STORAGE_SHARED=writer) fills the shared image store
# STORAGE/shared with an image; then two reader pods at once, each with its
# own graphroot STORAGE/pods/POD_NAME from podsock-init, run the writer's
# image from the store and import and run one of their own; each sees both.
# Then a pod with the first reader's name finds its image intact in its
# graphroot.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
vol=$WORK/vol
mkdir -p "$vol"
chown "0:$FS_GID" "$vol" # a volume with the pod's fsGroup, as the kubelet makes it
chmod 2777 "$vol"

# The writer: its graphroot is the shared store itself.
out=$("$PODSIM" --pod-dir "$WORK/writer" --log "$WORK/writer.log" --pod-name writer \
	--storage-dir "$vol" --init-env PODSOCK_STORAGE_SHARED=writer --sidecar-env PODSOCK_STORAGE_SHARED=writer \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" -- sh -c 'docker import busybox.tar t/shared >/dev/null &&
	docker run --rm --pull never --network host t/shared echo writer-ran' 2>&1) ||
	fail "the writer pod failed: $out
$(tail -n 20 "$WORK/writer.log")"
assert_contains "$out" "graphroot=/var/lib/podsock/storage/shared shared_image_store=this graphroot (writer)" "the writer's graphroot is the shared store"
assert_contains "$(cat "$WORK/writer.log")" '"image_store":"this graphroot (writer)"' "its sidecar writes the store"
assert_contains "$out" "writer-ran" "the writer imported an image and ran it"

job='set -e
docker run --rm --pull never --network host t/shared echo "shared-ran-$TAG"
docker import busybox.tar "t/$TAG" >/dev/null
for i in 1 2 3 4 5; do
	docker run --rm --network host "t/$TAG" sh -c "echo run-\$0-$TAG" "$i"
done
docker images --format "{{.Repository}}" | sort | tr "\n" " "; echo'

pod() { # NAME TAG: a reader; it finds the store (STORAGE/shared exists)
	PODSIM_BIN=$BIN "$PODSIM" --pod-dir "$WORK/$1" --log "$WORK/$1.log" --pod-name "$1" \
		--storage-dir "$vol" --job-env "TAG=$2" \
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
assert_contains "$outa" "shared-ran-aaa" "pod-a ran the writer's image from the shared store"
assert_contains "$outb" "shared-ran-bbb" "pod-b ran it at the same time"
for x in "a t/aaa" "a t/shared" "b t/bbb" "b t/shared"; do
	o=$outa
	[ "${x%% *}" = b ] && o=$outb
	echo "$o" | grep -Eq "(^| |/)${x#* } " || fail "pod-${x%% *} does not list the image ${x#* }"
done
ok "each reader lists its own image and the shared one"
[[ "$outa" != *"t/bbb"* && "$outb" != *"t/aaa"* ]] || fail "a reader sees the other reader's private image"
ok "a reader's own imports stay in its graphroot"
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
