#!/usr/bin/env bash
# The docker CLI through the gateway in a pod WITHOUT /dev/net/tun (most
# Kubernetes pods): the default network becomes host, published ports are
# reported as mapped to themselves, a taken port or a differing host port
# is a clear error; exec -it, attach, logs -f, cp and build stream through.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
# shellcheck source=../../common/docker_cli_marks.sh
. "$TOP/test/common/docker_cli_marks.sh"
need_gw_pod

GW_ARGS=--rewrite-network gw_job_ok -- docker_cli.sh
docker_cli_common_marks
[ "$(mark web-port)" = 8080 ] || fail "docker port web 8080 gave '$(mark web-port)', expected 8080"
ok "-p 8080 (random host port) is reported as 8080"
assert_contains "$(mark web-inspect)" '"8080/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]' "inspect reports the mapped port"
assert_contains "$(mark web-ps)" '0.0.0.0:8080->8080/tcp' "docker ps reports the mapped port"
assert_contains "$(mark fixed-differs)" "cannot publish host port 18083 to container port 8083" "-p 18083:8083 is a clear error"
assert_contains "$(mark fixed-differs)" "-p 8083:8083" "... that says how to fix it"
assert_contains "$(mark port-taken)" "port 8080/tcp is already in use in the pod" "a taken port is a clear error, not a silent clash"
assert_contains "$(mark exec)" served-by-nested-httpd "docker exec output"
# gatewayd logs in the job (printed at its end); the sidecar in its own log.
logs=$OUT
[ "${GW_VIA:-gatewayd}" != sidecar ] || logs=$(cat "$WORK/sidecar.log")
n=$(printf '%s\n' "$logs" | grep -c '"msg":"gateway: NetworkMode rewritten to host","container":"web"' || true)
[ "$n" = 1 ] || fail "the rewrite for container web was logged $n times, expected once"
ok "the rewrite is logged once per container"
