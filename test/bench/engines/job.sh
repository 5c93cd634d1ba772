#!/bin/sh
# The job of test/bench/engines/run, in the build container of a pod started
# with --no-startup-probe: the time from the sidecar container's start to
# the first answered /_ping, then RUNS timed `docker run --rm` and BUILDS
# timed multi-stage `docker build --no-cache`.  Prints one JSON object.
set -eu
runs=${RUNS:-10} builds=${BUILDS:-3}
now() { date +%s%N; }
i=0
until [ "$(curl -s --max-time 5 --unix-socket /sockets/podman.sock http://d/_ping)" = OK ]; do
	i=$((i + 1)); [ $i -lt 6000 ] || { echo "engine never answered" >&2; exit 1; }
	sleep 0.005
done
t=$(now)
first_ms=$(( (t - $(cat /builds/.podsim-sidecar-started)) / 1000000 ))
version=$(docker version --format '{{.Server.Version}}')
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm podsock.test/busybox true # warm-up (not timed)
run_ms=""
n=0
while [ $n -lt "$runs" ]; do
	s=$(now); docker run --rm podsock.test/busybox true; e=$(now)
	run_ms="$run_ms${run_ms:+,}$(( (e - s) / 1000000 ))"
	n=$((n + 1))
done
mkdir -p ctx && echo payload >ctx/p.txt
cat >ctx/Dockerfile <<'DF'
FROM podsock.test/busybox AS a
COPY p.txt /p.txt
RUN sed 's/^/a:/' /p.txt >/a.txt
FROM podsock.test/busybox AS b
RUN echo b >/b.txt
FROM podsock.test/busybox
COPY --from=a /a.txt /a.txt
COPY --from=b /b.txt /b.txt
RUN cat /a.txt /b.txt >/all.txt
DF
build_ms=""
n=0
while [ $n -lt "$builds" ]; do
	s=$(now); docker build -q --no-cache -t podsock.test/multi ctx >/dev/null; e=$(now)
	build_ms="$build_ms${build_ms:+,}$(( (e - s) / 1000000 ))"
	n=$((n + 1))
done
[ "$(docker run --rm podsock.test/multi cat /all.txt | tr '\n' ' ')" = "a:payload b " ] ||
	{ echo "the multi-stage build gave a wrong image" >&2; exit 1; }
echo "RESULT {\"version\":\"$version\",\"first_ms\":$first_ms,\"run_ms\":[$run_ms],\"build_ms\":[$build_ms]}"
