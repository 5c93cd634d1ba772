#!/usr/bin/env bash
# The docker CLI through the gateway in a pod WITH a usable /dev/net/tun
# (podsim --device tun) and no rewrite: podman's own bridge and port
# mapping, the gateway passing everything through untouched.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

GW_ARGS='' gw_job_ok --device tun -- docker_cli.sh
assert_contains "$(mark run-default)" default-net-ok "docker run on the default (bridge) network"
assert_contains "$(mark run-host)" host-net-ok "docker run --network host"
assert_contains "$(mark run-bridge)" bridge-net-ok "docker run --network bridge"
[ "$(mark run-status)" = 3 ] || fail "exit status: $(mark run-status), expected 3"
ok "docker run passes the exit status through"
assert_contains "$(mark stdin)" stdin-roundtrip "docker run -i through the hijacked stream"
port=$(mark web-port)
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" != 8080 ] || fail "-p 8080 should get a random host port from podman, got '$port'"
ok "-p 8080 gets a random host port ($port) from podman"
assert_contains "$(mark web-get)" served-by-nested-httpd "the mapped port reaches the service"
assert_contains "$(mark fixed-same)" created "-p 8082:8082 works"
case "$(mark fixed-differs)" in *rror*) fail "-p 18083:8083 should work with a bridge: $(mark fixed-differs)" ;; esac
ok "-p 18083:8083 works with a bridge"
assert_contains "$(mark exec-it)" exec-tty-ok "docker exec -it"
assert_contains "$(mark attach)" attached-line "docker attach"
assert_contains "$(mark logs-f)" "line1 line2 line3" "docker logs -f"
assert_contains "$(mark cp)" copied-content "docker cp"
assert_contains "$(mark build)" "from-context built" "docker build"
case "$OUT" in *"NetworkMode rewritten"*) fail "the gateway rewrote NetworkMode without --rewrite-network" ;; esac
ok "nothing was rewritten"
assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves"
