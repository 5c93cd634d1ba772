#!/usr/bin/env bash
# The docker CLI through the gateway in a pod WITHOUT /dev/net/tun (most
# Kubernetes pods): the default network becomes host, published ports are
# reported as mapped to themselves, a taken port or a differing host port
# is a clear error; exec -it, attach, logs -f, cp and build stream through.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

GW_ARGS=--rewrite-network gw_job_ok -- docker_cli.sh
assert_contains "$(mark run-default)" default-net-ok "docker run without --network runs (NetworkMode default -> host)"
assert_contains "$(mark run-host)" host-net-ok "docker run --network host runs"
assert_contains "$(mark run-bridge)" bridge-net-ok "docker run --network bridge runs (rewritten)"
[ "$(mark run-status)" = 3 ] || fail "docker run did not pass the exit status 3 through: $(mark run-status)"
ok "docker run passes the container's exit status through"
assert_contains "$(mark stdin)" stdin-roundtrip "docker run -i: stdin in, stdout out, through the hijacked stream"
[ "$(mark web-port)" = 8080 ] || fail "docker port web 8080 gave '$(mark web-port)', expected 8080"
ok "-p 8080 (random host port) is reported as 8080"
assert_contains "$(mark web-inspect)" '"8080/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]' "inspect reports the mapped port"
assert_contains "$(mark web-ps)" '0.0.0.0:8080->8080/tcp' "docker ps reports the mapped port"
assert_contains "$(mark web-get)" served-by-nested-httpd "the mapped port reaches the container's service"
assert_contains "$(mark fixed-same)" created "-p 8082:8082 works"
assert_contains "$(mark fixed-differs)" "cannot publish host port 18083 to container port 8083" "-p 18083:8083 is a clear error"
assert_contains "$(mark fixed-differs)" "-p 8083:8083" "... that says how to fix it"
assert_contains "$(mark port-taken)" "port 8080/tcp is already in use in the pod" "a taken port is a clear error, not a silent clash"
assert_contains "$(mark exec-it)" exec-tty-ok "docker exec -it gets a terminal"
assert_contains "$(mark exec)" served-by-nested-httpd "docker exec output"
assert_contains "$(mark attach)" attached-line "docker attach streams the output"
assert_contains "$(mark logs-f)" "line1 line2 line3" "docker logs -f follows to the end"
assert_contains "$(mark cp)" copied-content "docker cp in and out"
assert_contains "$(mark build)" "from-context built" "docker build with a context and RUN"
assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves"
# gatewayd logs in the job (printed at its end); the sidecar in its own log.
logs=$OUT
[ "${GW_VIA:-gatewayd}" != sidecar ] || logs=$(cat "$WORK/sidecar.log")
n=$(printf '%s\n' "$logs" | grep -c '"msg":"gateway: NetworkMode rewritten to host","container":"web"' || true)
[ "$n" = 1 ] || fail "the rewrite for container web was logged $n times, expected once"
ok "the rewrite is logged once per container"
