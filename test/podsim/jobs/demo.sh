#!/bin/sh
# The demo job: what a GitLab CI job does with podsock.  Runs in the build
# container as a non-root user, with DOCKER_HOST pointing at the sidecar.
set -eu
echo "job: running as $(id -un 2>/dev/null || id -u) (uid $(id -u)) in $CI_PROJECT_DIR"
echo "job: DOCKER_HOST=$DOCKER_HOST"
echo "job: engine: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# No registry here: the image comes from a tarball, as `docker import`.
docker import busybox.tar podsock.test/busybox:latest >/dev/null
echo "job: imported podsock.test/busybox"

# The point of podsock: a bind mount of the job's own directory, with the
# Docker client's default network (the pod has no /dev/net/tun for a
# rootless bridge: the sidecar's gateway gives the container the pod's).
docker run --rm -v "$CI_PROJECT_DIR:/w" podsock.test/busybox \
	sh -c 'echo "hello from a nested container, uid $(id -u) inside" > /w/hello.txt'

echo "job: the container wrote hello.txt:"
echo "  $(cat hello.txt)"
echo "  owner uid $(stat -c %u hello.txt), mode $(stat -c %a hello.txt)"
rm hello.txt
[ ! -e hello.txt ]
echo "job: read and deleted hello.txt as uid $(id -u): done"
