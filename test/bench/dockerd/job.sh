# shellcheck shell=sh
# Runs in the podsim job of test/bench/dockerd/run: imports the busybox
# image, warms up, then runs each command file cmd.N the orchestrator puts
# into /builds/demo (the same text it runs against dockerd), writing its
# wall time in ms (or "fail") to res.N.  Ends at the file stop.
set -eu
docker import busybox.tar t/bb >/dev/null
docker run --rm --network host t/bb true
docker run --rm --network host t/bb true
# One command file: cmd.N, its output shown when it fails.
run_cmd() {
	timeout 600 sh "cmd.$1" >cmd.out 2>&1 && return 0
	echo "job: cmd.$1 failed: $(cat "cmd.$1")" >&2
	cat cmd.out >&2
	return 1
}
# shellcheck source=../job-loop.sh
. ./job-loop.sh
touch ready
job_loop cmd run_cmd
