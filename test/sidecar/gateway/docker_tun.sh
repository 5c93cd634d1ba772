#!/usr/bin/env bash
# The docker CLI through the gateway in a pod WITH a usable /dev/net/tun
# (podsim --device tun) and no rewrite: podman's own bridge and port
# mapping, the gateway passing everything through untouched.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
# shellcheck source=../../common/docker_cli_marks.sh
. "$TOP/test/common/docker_cli_marks.sh"
need_gw_pod

GW_ARGS='' gw_job_ok --device tun -- docker_cli.sh
docker_cli_common_marks
port=$(mark web-port)
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" = 8080 ]; then
	fail "-p 8080 should get a random host port from podman, got '$port'"
fi
ok "-p 8080 gets a random host port ($port) from podman"
case "$(mark fixed-differs)" in *rror*) fail "-p 18083:8083 should work with a bridge: $(mark fixed-differs)" ;; esac
ok "-p 18083:8083 works with a bridge"
case "$OUT" in *"NetworkMode rewritten"*) fail "the gateway rewrote NetworkMode without --rewrite-network" ;; esac
ok "nothing was rewritten"
