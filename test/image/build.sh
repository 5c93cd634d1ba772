#!/usr/bin/env bash
# `docker build` in a job pod: a multi-stage Dockerfile with
# RUN --mount=type=cache, built twice through the pod's socket
# (test/image/jobs/build.sh).  The second build sees what the first put in
# the cache; both images run.  On the host's engine, or on the image's when
# PODSIM_ROOTFS is set (the image.pod.* tests: podsim --rootfs); with
# PODSIM_DEVICE=tun the pod has /dev/net/tun.
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

mark() { printf '%s\n' "$OUT" | sed -n "s/^MARK $1: //p" | head -n1; }
RC=0
OUT=$("$PODSIM" --log "$WORK/sidecar.log" --copy-in "$IMAGES/busybox.tar:busybox.tar" \
	--copy-in "$TOP/test/image/jobs/build.sh:build.sh" -- sh build.sh 2>&1) || RC=$?
echo "$OUT"
[ "$RC" = 0 ] || fail "the job failed ($RC)"
where="the host's files"
[ -z "${PODSIM_ROOTFS:-}" ] || where="the image's files in $PODSIM_ROOTFS"
echo "engine: podman $(mark engine), $where, devices: ${PODSIM_DEVICE:-none}"
assert_contains "$(mark build-first)" "seen=[] from-context" "first build: an empty cache, the context copied across stages"
assert_contains "$(mark build-second)" "seen=[first ] from-context" "second build: RUN --mount=type=cache found the first build's entry"
assert_contains "$OUT" "sidecar exited with status 0" "the sidecar stopped cleanly"
