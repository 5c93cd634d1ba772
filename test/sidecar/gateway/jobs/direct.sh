# shellcheck shell=sh
# gateway: off: the job talks to podman's socket directly.
set -u
docker import busybox.tar podsock.test/busybox >/dev/null
echo "MARK direct-host: $(docker run --rm --network host podsock.test/busybox echo direct-host-ok 2>&1)"
echo "MARK direct-default: $(timeout 60 docker run --rm podsock.test/busybox echo direct-default-ok 2>&1)"
echo "MARK direct-ping: $(curl -s --unix-socket /sockets/podman.sock http://d/_ping)"
