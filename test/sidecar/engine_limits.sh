#!/usr/bin/env bash
# engine.nofile and engine.nproc reach podman and the containers it starts.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
cat >"$WORK/job.sh" <<'JOB'
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm podsock.test/busybox sh -c 'echo "nofile=$(ulimit -n) nproc=$(ulimit -u)"'
JOB
out=$("$PODSIM" --sidecar-arg --set=engine.nofile=4321 --sidecar-arg --set=engine.nproc=765 \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) ||
	fail "job failed: $out"
assert_contains "$out" "nofile=4321" "a nested container runs with engine.nofile"
assert_contains "$out" "nproc=765" "and with engine.nproc"
