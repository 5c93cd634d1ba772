# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this
# Shared by the benchmarks under test/bench/: where things are, the raw
# podman baseline started the way a hand-written sidecar would, and a job
# prelude that waits for the socket.  Benchmarks are scripts, not tests.
set -euo pipefail
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_BIN=${PODSOCK_BIN:-$BENCH_TOP/build/bin}
BENCH_OUT=${BENCH_OUT:-$BENCH_TOP/test/bench/results}
PODSIM=("$BENCH_TOP/test/podsim/podsim" --bin "$BENCH_BIN")
export PODSIM_BIN=$BENCH_BIN

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

bench_need_root() {
	[ "$(id -u)" = 0 ] || { echo "bench: run as root (podsim builds a pod)" >&2; exit 2; }
}

bench_images() {
	"$BENCH_TOP/scripts/make-test-images" "$BENCH_TOP/build/images" >/dev/null
	BENCH_BUSYBOX=$BENCH_TOP/build/images/busybox.tar
}

# Raw `podman system service` as a hand-written sidecar runs it: its own
# flags, the same storage volume, a private runtime directory, the socket
# podsock would serve.  For --sidecar-cmd.
# podman creates its socket 0600, so the sidecar opens it to the fsGroup
# (what a hand-written sidecar has to do for a job of another UID).
BENCH_RAW_PODMAN='mkdir -p /run/podsock/raw && export XDG_RUNTIME_DIR=/run/podsock/raw && umask 007 && podman --root /var/lib/podsock/storage/raw --runroot /run/podsock/raw/containers --cgroup-manager cgroupfs --events-backend file system service --time=0 unix:///sockets/podman.sock & p=$!; trap "kill -TERM \$p" TERM; while [ ! -S /sockets/podman.sock ]; do sleep 0.01; done; chmod 660 /sockets/podman.sock; wait $p; wait $p'

# Job prelude (sh): wait up to 60 s for the engine to answer /_ping.
BENCH_WAIT_SOCKET='i=0; until [ "$(curl -s --max-time 5 --unix-socket /sockets/podman.sock http://d/_ping)" = OK ]; do i=$((i+1)); [ $i -lt 600 ] || { echo "engine never answered" >&2; exit 1; }; sleep 0.1; done'

bench_load() {
	cut -d' ' -f1-3 /proc/loadavg
}
