# shellcheck shell=bash
# Shared by test/image/e2e.sh and test/deploy/e2e-job-pod.sh: the podsock
# image built (or reused) into a store under build/, and root podman made
# usable on this machine, as a kubelet's container runtime stands in for.
# Sourced after test/common/lib.sh (TOP, BUILD, WORK, fail, ok).

IMAGE_STORE=${PODSOCK_IMAGE_STORE:-$BUILD/image/store}
IMAGE_VERSION=$(sed -n 's/^project(podsock VERSION \([0-9.]*\).*/\1/p' "$TOP/CMakeLists.txt")

# image_ensure: scripts/build-image into $IMAGE_STORE; it rebuilds only when
# the inputs changed (label io.podsock.inputs), so the image.e2e test of the
# same CI run leaves nothing to do.  PODSOCK_E2E_NO_BUILD=1: use the store
# as it is.
image_ensure() {
	local out start=$SECONDS
	if [ "${PODSOCK_E2E_NO_BUILD:-0}" = 1 ]; then
		echo "--- PODSOCK_E2E_NO_BUILD=1: using the image as it is in $IMAGE_STORE"
		return 0
	fi
	echo "--- building or reusing localhost/podsock:$IMAGE_VERSION (scripts/build-image --root $IMAGE_STORE)"
	out=$("$TOP/scripts/build-image" --root "$IMAGE_STORE" 2>&1) || fail "scripts/build-image failed: $out"
	echo "$out" | tail -n 3
	ok "image ready in $((SECONDS - start)) s: $(echo "$out" | tail -n 1)"
}

# outer_podman_setup: to be called inside `unshare --mount --propagation
# private`.  crun refuses the host's hybrid cgroup layout: a cgroup2-only
# /sys/fs/cgroup; the store's run root and podman's lock memory
# (/dev/shm/libpod_lock) private tmpfs, so that this store's lock numbers
# never meet those of the host's root podman; containers.conf for what root
# lacks here (see outer_containers_conf in scripts/build-image): no
# CAP_SYS_RESOURCE, so rlimits below the hard limits; the controller-less
# cgroup2 makes crun's device eBPF fail, so no cgroups.  A kubelet's runtime
# would have both.  Sets the array pm (the podman command) and exports
# CONTAINERS_CONF.
outer_podman_setup() {
	local nofile
	mount -t cgroup2 none /sys/fs/cgroup || skip "cannot mount cgroup2 in a private mount namespace: no outer podman"
	mkdir -p "$IMAGE_STORE/run"
	mount -t tmpfs -o mode=0700 podsock-e2e-runroot "$IMAGE_STORE/run"
	mount -t tmpfs -o nosuid,nodev,mode=1777 podsock-e2e-shm /dev/shm
	# shellcheck disable=SC2034 # used by the scripts that source this file
	pm=(podman --cgroup-manager cgroupfs --root "$IMAGE_STORE/storage" --runroot "$IMAGE_STORE/run" --tmpdir "$IMAGE_STORE/run")
	nofile=$(ulimit -Hn)
	[ "$nofile" = unlimited ] && nofile=1048576
	cat >"$WORK/containers.conf" <<EOF
[containers]
cgroups = "disabled"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
EOF
	export CONTAINERS_CONF=$WORK/containers.conf
}

# The image's root file system as a directory, for test/podsim/podsim
# --rootfs: the files users pull, podman 5 included.
IMAGE_ROOTFS=${PODSOCK_IMAGE_ROOTFS:-$BUILD/image/rootfs}

# image_rootfs_ensure: image_ensure, and the image exported to $IMAGE_ROOTFS
# (scripts/build-image --export-rootfs: nothing is copied when the directory
# already holds the image built from the same inputs).  Sets IMAGE_ROOTFS.
# PODSOCK_E2E_NO_BUILD=1: use $IMAGE_ROOTFS as it is.
image_rootfs_ensure() {
	local out start=$SECONDS
	if [ "${PODSOCK_E2E_NO_BUILD:-0}" = 1 ]; then
		[ -x "$IMAGE_ROOTFS/usr/bin/podman" ] ||
			fail "PODSOCK_E2E_NO_BUILD=1 but $IMAGE_ROOTFS holds no image: run scripts/build-image --root $IMAGE_STORE --export-rootfs $IMAGE_ROOTFS"
		echo "--- PODSOCK_E2E_NO_BUILD=1: using the image's files in $IMAGE_ROOTFS as they are"
		return 0
	fi
	echo "--- building or reusing localhost/podsock:$IMAGE_VERSION and its files in $IMAGE_ROOTFS"
	out=$("$TOP/scripts/build-image" --root "$IMAGE_STORE" --export-rootfs "$IMAGE_ROOTFS" 2>&1) ||
		fail "scripts/build-image failed: $out"
	echo "$out" | tail -n 3
	ok "image files ready in $((SECONDS - start)) s: $(echo "$out" | tail -n 1)"
}

# rootfs_package_version PACKAGE: its version in the image (dpkg's database).
rootfs_package_version() {
	dpkg-query --admindir="$IMAGE_ROOTFS/var/lib/dpkg" -W -f '${Version}' "$1" 2>/dev/null
}
