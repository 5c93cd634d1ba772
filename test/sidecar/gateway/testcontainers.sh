#!/usr/bin/env bash
# testcontainers-node through the gateway, in a pod without /dev/net/tun
# (ports reported as mapped to themselves) and in one with it (podman maps
# them): start a container serving TCP, connect to the mapped port, stop it.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod
command -v node >/dev/null || skip "node is missing: run scripts/bootstrap"
[ -d "$TOP/test/node/node_modules/testcontainers" ] ||
	skip "testcontainers is not installed: run scripts/install-npm-clients"

mark() { printf '%s\n' "$OUT" | sed -n "s/^.*MARK $1: //p" | head -n1; }
check() { # what
	[ "$RC" = 0 ] || fail "$1: the job failed ($RC)"
	assert_contains "$OUT" "# pass 1" "$1: the node test passed"
	assert_contains "$(mark answer)" " 200 OK" "$1: the mapped port reached the container's server"
	[ -n "$(mark stopped)" ] || fail "$1: the container was not stopped"
	[ "$(mark containers-left)" = 0 ] || fail "$1: $(mark containers-left) containers left after stop"
	ok "$1: the container was stopped and removed"
	assert_contains "$OUT" "gateway still serving: OK" "$1: the gateway still serves"
}

GW_ARGS=--rewrite-network gw_job -- testcontainers.sh "$TOP/test/node:node"
check "no /dev/net/tun"
[ "$(mark mapped-port)" = 9000 ] || fail "no tun: mapped port $(mark mapped-port), expected 9000 (host mode)"
ok "no /dev/net/tun: getMappedPort(9000) = 9000"

GW_ARGS='' gw_job --device tun -- testcontainers.sh "$TOP/test/node:node"
check "with /dev/net/tun"
ok "with /dev/net/tun: podman mapped 9000 to $(mark mapped-port)"
