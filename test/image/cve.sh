#!/usr/bin/env bash
# The engine in the image has the fixes for CVE-2024-1753 and CVE-2024-9675:
# two ways a build step could read (9675: also write) the engine's own file
# system, i.e. the sidecar container's.
#
#   1. Versions, from the image's dpkg database: podman >= 5.3.0 (upstream
#      fixed 1753 in 5.0.1 and 9675 in 5.3.0), the same version answering on
#      the pod's socket.
#   2. The proofs of concept (test/image/jobs/cve.sh) sent by `docker build`
#      through the socket of a pod run from the image's files (podsim
#      --rootfs): `RUN --mount=type=bind,from=STAGE,source=<symlink to />`
#      and `RUN --mount=type=cache,id=../../../../../../..`.  Each RUN step
#      looks for /usr/bin/podman (in the engine's file system, not in the
#      busybox image): it must not see it.  Refused builds count as fixed;
#      a build that ran without printing either answer fails the test.
#   3. The same job against the host's engine (podman 4.3.1 here), as a
#      control: it shows that the proofs of concept do detect an engine
#      without the fixes.  Printed, not asserted: the host's podman is not
#      what users pull.  PODSOCK_CVE_CONTROL=0 skips it (CI time: ~20 s).
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
image_rootfs_ensure

mark() { printf '%s\n' "$OUT" | sed -n "s/^MARK $1: //p" | head -n1; }

podman_v=$(rootfs_package_version podman)
buildah_v=$(rootfs_package_version golang-github-containers-buildah-dev || true)
[ -n "$podman_v" ] || fail "no podman package in the image's dpkg database ($IMAGE_ROOTFS/var/lib/dpkg)"
dpkg --compare-versions "$podman_v" ge 5.3.0 ||
	fail "the image's podman is $podman_v: CVE-2024-9675 is fixed from 5.3.0 (CVE-2024-1753 from 5.0.1); rebuild on Debian 13"
ok "the image's podman package is $podman_v (>= 5.3.0, both fixes upstream)${buildah_v:+; buildah sources $buildah_v}"

run_pocs() { # label rootfs (empty: the host's files)
	local label=$1 rootfs=$2
	RC=0
	OUT=$(PODSIM_ROOTFS=$rootfs "$PODSIM" --log "$WORK/sidecar-$label.log" --copy-in "$IMAGES/busybox.tar:busybox.tar" \
		--copy-in "$TOP/test/image/jobs/cve.sh:cve.sh" -- sh cve.sh 2>&1) || RC=$?
	echo "$OUT"
	[ "$RC" = 0 ] || fail "$label: the job failed ($RC)"
	[ "$(mark finished)" = yes ] || fail "$label: the job did not run to its end"
}

# A verdict is "escaped", "confined" (the step ran and saw its own root) or
# "refused: <error>" (the engine rejected the mount).
fixed() { # cve label
	local v
	v=$(mark "$1")
	case "$v" in
	confined) ok "$2: CVE-2024-$1 proof of concept confined: the RUN step does not see the engine's files" ;;
	refused:*[A-Za-z]*)
		[ "$(mark "$1-status")" != 0 ] || fail "$2: CVE-2024-$1: no answer from the RUN step, yet the build succeeded"
		ok "$2: CVE-2024-$1 proof of concept refused (${v#refused: })" ;;
	escaped) fail "$2: CVE-2024-$1: the RUN step read the engine's file system: the engine lacks the fix" ;;
	*) fail "$2: CVE-2024-$1: no verdict from the job ('$v')" ;;
	esac
}

echo "--- the image's engine (podsim --rootfs $IMAGE_ROOTFS)"
run_pocs image "$IMAGE_ROOTFS"
engine=$(mark engine)
[ "${engine%% *}" = "${podman_v%%+*}" ] ||
	fail "the engine on the socket is '$engine', the image's package $podman_v: is the pod running the image's files?"
ok "the pod's engine answers as podman ${engine%% *} (API ${engine#* })"
fixed 1753 image
fixed 9675 image

if [ "${PODSOCK_CVE_CONTROL:-1}" = 1 ]; then
	echo "--- control: the host's engine ($(podman --version))"
	run_pocs host ""
	for c in 1753 9675; do
		echo "control: host podman $(mark engine | cut -d' ' -f1): CVE-2024-$c proof of concept: $(mark "$c")"
	done
fi
