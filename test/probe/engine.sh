#!/usr/bin/env bash
# podsock-probe against a real rootless podman in a podsim pod, as a job
# uses it: ready, live, wait, status and status --json, with a container
# running.
. "$(dirname "$0")/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/job.sh" <<'JOB'
#!/bin/sh
# In the build container, as uid 1600, with DOCKER_HOST set.
podsock-probe ready 2>ready.err; echo $? >ready.rc
podsock-probe live 2>live.err; echo $? >live.rc
podsock-probe wait --timeout 10 2>wait.err; echo $? >wait.rc
docker import busybox.tar podsock.test/busybox:latest >/dev/null || exit 3
docker run -d --name sleeper --network host podsock.test/busybox sleep 120 >/dev/null || exit 4
podsock-probe status >status.txt 2>status.err; echo $? >status.rc
podsock-probe status --json >status.json 2>>status.err; echo $? >status-json.rc
[ -e /run/podsock/status.json ] && cp /run/podsock/status.json sidecar-status.json
docker rm -f sleeper >/dev/null
exit 0
JOB

run_podsim_job --copy-in "$IMAGES/busybox.tar:busybox.tar"

for m in ready live wait status status-json; do
	[ "$(cat "$m.rc")" = 0 ] || fail "podsock-probe $m exited $(cat "$m.rc"): $(cat ./*.err)"
done
ok "ready, live, wait, status and status --json exit 0 against podman"
[ ! -s ready.err ] && [ ! -s live.err ] || fail "ready or live said something: $(cat ready.err live.err)"
ok "ready and live say nothing when all is well"
grep -q "engine at /sockets/podman.sock ready after" wait.err || fail "wait said: $(cat wait.err)"
ok "wait says when the engine is ready"
cat status.txt
grep -q '^engine:      podman ' status.txt || fail "status does not name podman"
grep -q '^containers:  1 running' status.txt || fail "status does not count the running container"
grep -q ' sleeper  podsock.test/busybox:latest ' status.txt || fail "status does not list the container"
ok "status names podman and lists the running container"
jq -e '.ok and .engine.name == "podman" and (.engine.version | length > 0)
	and (.storage.driver | length > 0) and .containers.running == 1
	and .containers.list[0].names == ["sleeper"]' status.json >/dev/null ||
	fail "unexpected status --json: $(cat status.json)"
ok "status --json: podman $(jq -r .engine.version status.json), driver $(jq -r .storage.driver status.json)"
if [ -e sidecar-status.json ]; then
	jq -e '.sidecar.state == "running"' status.json >/dev/null ||
		fail "the sidecar's status file is there, but status --json says: $(jq -c .sidecar status.json)"
	ok "status --json carries the sidecar's status file: $(cat sidecar-status.json)"
else
	echo "note: the sidecar wrote no /run/podsock/status.json; disk use comes from there"
fi
remove_pod
