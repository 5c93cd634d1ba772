#!/bin/sh
# A job's `docker build` through the pod's socket: a multi-stage Dockerfile
# with RUN --mount=type=cache, built twice; the second build must find what
# the first left in the cache (the cache lives in the engine, not in the
# image), and the image must run.  Prints MARK lines for test/image/build.sh.
set -eu
docker import busybox.tar podsock.test/busybox:latest >/dev/null
echo "MARK engine: $(docker version --format '{{.Server.Version}}')"
mkdir -p ctx && echo "from-context" >ctx/input.txt
cat >ctx/Dockerfile <<'DF'
FROM podsock.test/busybox AS build
ARG RUN_ID
COPY input.txt /src/input.txt
RUN --mount=type=cache,target=/cache,id=podsock-test-cache \
    seen=$(cat /cache/runs 2>/dev/null | tr '\n' ' '); \
    echo "$RUN_ID" >>/cache/runs; \
    echo "seen=[$seen]" >/src/seen.txt; \
    cat /src/input.txt >>/src/seen.txt
FROM podsock.test/busybox
COPY --from=build /src/seen.txt /seen.txt
CMD ["cat", "/seen.txt"]
DF
for run in first second; do
	docker build -q --build-arg RUN_ID=$run -t podsock.test/cached:$run ctx >build-$run.log 2>&1 ||
		{ echo "MARK build-$run: failed: $(tail -n 3 build-$run.log | tr '\n' ' ')"; continue; }
	echo "MARK build-$run: $(docker run --rm podsock.test/cached:$run | tr '\n' ' ')"
done
