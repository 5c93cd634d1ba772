# shellcheck shell=sh
# Runs in the podsim job for test/bench/perf/timeline: warm-up runs, then
# one `docker run --rm` under strace (connect and write only, through
# seccomp-bpf, so the CLI is barely slowed), between two clock marks.
set -eu
docker import busybox.tar t/bb >/dev/null
for i in 1 2 3 4 5; do docker run --rm --network host t/bb true; done
sleep 1
date +%s%N >mark.start
strace -f --seccomp-bpf -ttt -e trace=connect,write,read,exit_group -s 160 -o cli.strace \
	docker run --rm --network host t/bb true
date +%s%N >mark.end
