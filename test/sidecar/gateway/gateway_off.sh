#!/usr/bin/env bash
# gateway: off hands podman's socket to the job directly (for clusters with
# /dev/net/tun and no policy).  This checks that path with the real docker
# CLI: with /dev/net/tun everything works directly; without it only
# --network host does, and a plain `docker run` fails as the issue says
# (which is why the gateway is on by default).  The sidecar's own switch
# (podsock.yaml gateway: off) is wired and tested in sidecar/.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

gw_job_ok --device tun -- direct.sh
assert_contains "$(mark direct-default)" direct-default-ok "with /dev/net/tun: docker run on the default network works directly"
assert_contains "$(mark direct-host)" direct-host-ok "with /dev/net/tun: --network host works directly"
gw_job_ok -- direct.sh
assert_contains "$(mark direct-host)" direct-host-ok "without /dev/net/tun: --network host works directly"
case "$(mark direct-default)" in
*direct-default-ok*) fail "without /dev/net/tun a plain docker run worked directly: the gateway's rewrite may be unneeded now" ;;
*) ok "without /dev/net/tun a plain docker run fails directly: $(mark direct-default | head -c 120)" ;;
esac
