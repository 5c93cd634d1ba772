#!/usr/bin/env bash
# A small storage limit filled with images: the disk watchdog keeps the
# storage directory under its limit by pruning unused images (oldest first),
# and the job goes on.  storage.sizeLimit 120Mi (high 85%, low 70%); the job
# imports ten 12 MB images, one every 2.5 s, then runs the newest one.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/fill.sh" <<'JOB'
#!/bin/sh
set -eu
mkdir rootfs
tar -xf busybox.tar -C rootfs
i=1
while [ "$i" -le 10 ]; do
	# Each image: busybox plus 12 MB of its own random data.
	head -c 12M /dev/urandom >rootfs/blob
	tar -cf img.tar -C rootfs .
	docker import img.tar "podsock.test/fill:$i" >/dev/null
	echo "imported fill:$i"
	rm img.tar
	sleep 2.5
	i=$((i + 1))
done
# --pull never: there is no registry; a pruned image must not send the
# engine looking for one.
docker run --rm --pull never --network host -v "$CI_PROJECT_DIR:/w" podsock.test/fill:10 \
	sh -c 'echo job-goes-on > /w/done'
cat done
docker images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' '
echo
JOB
limit=$((120 * 1024 * 1024))
out=$("$PODSIM" --keep --pod-dir "$WORK/pod" --log "$WORK/sidecar.log" --sidecar-arg --set=storage.sizeLimit=120Mi \
	--sidecar-arg --set=storage.pruneInterval=1s --sidecar-arg --log-level=debug \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/fill.sh:fill.sh" -- sh fill.sh 2>&1) ||
	fail "job failed: $out
$(grep -v '"source"' "$WORK/sidecar.log" | tail -n 20)"
echo "$out" | grep -v '^podsim'
assert_contains "$out" "imported fill:10" "every import succeeded"
assert_contains "$out" "job-goes-on" "the job went on running containers"
log=$(cat "$WORK/sidecar.log")
assert_contains "$log" '"msg":"disk watchdog pruned storage"' "the watchdog pruned"
max=$(grep -o '"used\(_before\)\?":"[0-9]*"' "$WORK/sidecar.log" | grep -o '[0-9]*' | sort -n | tail -1)
last=$(grep -o '"used\(_after\)\?":"[0-9]*"' "$WORK/sidecar.log" | tail -1 | grep -o '[0-9]*')
echo "peak measured use $max bytes, last $last, limit $limit"
[ -n "$max" ] && [ "$max" -lt "$limit" ] || fail "storage use reached $max bytes, limit $limit"
ok "storage use stayed under the limit (peak $((max / 1048576)) MiB of 120)"
removed=$(grep -o '"images_removed":"[0-9]*"' "$WORK/sidecar.log" | grep -o '[0-9]*' | paste -sd+ | bc)
[ "${removed:-0}" -ge 3 ] || fail "only ${removed:-0} images were removed"
ok "$removed unused images were removed, oldest first"
