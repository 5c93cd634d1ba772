# shellcheck shell=bash
# What the docker_cli.sh job (test/sidecar/gateway/jobs) prints in every pod,
# with or without /dev/net/tun.  Sourced by test/sidecar/gateway/docker_notun.sh
# and docker_tun.sh, which add what differs (the default network, how ports
# are published); uses lib.sh's assertions and lib-gw.sh's mark and $OUT.

# docker_cli_common_marks: each row's MARK line contains its text; the exit
# status passes through; the gateway still serves at the end.
docker_cli_common_marks() {
	local name want what
	while IFS='|' read -r name want what; do
		assert_contains "$(mark "$name")" "$want" "$what"
	done <<'ROWS'
run-default|default-net-ok|docker run without --network runs on the default network
run-host|host-net-ok|docker run --network host runs
run-bridge|bridge-net-ok|docker run --network bridge runs
stdin|stdin-roundtrip|docker run -i: stdin in, stdout out, through the hijacked stream
web-get|served-by-nested-httpd|the mapped port reaches the container's service
fixed-same|created|-p 8082:8082 works
exec-it|exec-tty-ok|docker exec -it gets a terminal
attach|attached-line|docker attach streams the output
logs-f|line1 line2 line3|docker logs -f follows to the end
cp|copied-content|docker cp in and out
build|from-context built|docker build with a context and RUN
notfound-rm|rc=127 left=0 docker: Error response from daemon: executable file not found in $PATH: |docker run --rm of a missing command: 127 and the cause, as with dockerd
notfound-detached-rm|rc=127 left=0 |docker run -d --rm of a missing command: 127, not a hang
notfound-kept|rc=127 left=1 |docker run of a missing command: 127, the container stays (created)
notexec-rm|rc=126 left=0 docker: Error response from daemon: permission denied: |docker run --rm of a file that is not executable: 126
ROWS
	[ "$(mark run-status)" = 3 ] || fail "docker run did not pass the exit status 3 through: $(mark run-status)"
	ok "docker run passes the container's exit status through"
	assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves"
}
