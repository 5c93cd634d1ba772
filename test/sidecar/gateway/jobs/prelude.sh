# shellcheck shell=sh
# Sourced by the gateway's test jobs: starts gatewayd in front of the
# sidecar's socket, points the docker CLI at it, and imports busybox.
set -eu
if [ "${GW_VIA:-gatewayd}" = sidecar ]; then
	# The sidecar's own gateway, on the pod's socket.
	ln -sf /sockets/podman.sock /tmp/gw.sock
	: >/tmp/gw.log
	GW_PID=""
else
	chmod +x ./gatewayd
	# shellcheck disable=SC2086
	./gatewayd --listen /tmp/gw.sock --engine /sockets/podman.sock $GW_ARGS 2>/tmp/gw.log &
	GW_PID=$!
fi
export GW_PID
i=0
while [ ! -S /tmp/gw.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
export DOCKER_HOST=unix:///tmp/gw.sock
docker import busybox.tar podsock.test/busybox >/dev/null

# The gateway must still be serving at the end of every test.
gw_finish() {
	[ -z "$GW_PID" ] || kill -0 "$GW_PID" || { echo "GATEWAY DIED"; cat /tmp/gw.log; exit 1; }
	echo "gateway still serving: $(curl -s --unix-socket /tmp/gw.sock http://d/_ping)"
	echo "--- gateway log"
	cat /tmp/gw.log
}
trap gw_finish EXIT
