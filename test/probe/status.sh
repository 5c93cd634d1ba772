#!/usr/bin/env bash
# podsock-probe status against a fake engine:  status.sh CASE
. "$(dirname "$0")/lib.sh"

STATUS=$WORK/status.json

case "${1:?usage: status.sh CASE}" in
text)
	start_fake ok
	write_status "$STATUS" running "$(now_ms)" 0
	probe status -s "$SOCK" --status-file "$STATUS"
	expect 0
	printf '%s\n' "$OUT"
	for want in "engine:      podman 4.3.1, API 1.41, linux/amd64" \
		"storage:     overlay in /var/lib/podsock/storage" \
		"containers:  1 running of 3; 2 images" \
		"5dd1cf17196a  sleeper  docker.io/t/bb:latest  Up 3 seconds" \
		"disk:        1.0 MiB used of 10.0 GiB" \
		"sidecar:     running, engine pid 42, 2 restarts"; do
		case "$OUT" in *"$want"*) ok "says '$want'" ;; *) fail "status does not say '$want'" ;; esac
	done
	;;
json)
	start_fake ok
	write_status "$STATUS" running "$(now_ms)" 0
	probe status -s "$SOCK" --status-file "$STATUS" --json
	expect 0
	printf '%s\n' "$OUT" | jq -e '
		.ok == true and .error == null and .socket == $sock
		and .engine.name == "podman" and .engine.version == "4.3.1"
		and .engine.api_version == "1.41"
		and .storage.driver == "overlay"
		and .containers.running == 1 and .containers.total == 3
		and .containers.list[0].names == ["sleeper"]
		and .images == 2
		and .disk.used_bytes == 1048576 and .disk.limit_bytes == 10737418240
		and .sidecar.state == "running" and .sidecar.engine_pid == 42
		and .sidecar_error == null
		and (.ping_ms | type) == "number"' --arg sock "$SOCK" >/dev/null ||
		fail "unexpected JSON: $OUT"
	ok "JSON has engine, storage, containers, disk and sidecar"
	;;
no-status-file)
	start_fake ok
	probe status -s "$SOCK" --status-file "$WORK/none.json" --json
	expect 0
	printf '%s\n' "$OUT" | jq -e '.ok and .disk == null and .sidecar == null
		and (.sidecar_error | startswith("no status file at"))' >/dev/null ||
		fail "unexpected JSON: $OUT"
	ok "no status file: disk and sidecar are null, and it says why"
	;;
engine-down)
	write_status "$STATUS" restarting "$(now_ms)" $(($(now_ms) + 4000))
	probe status -s "$WORK/gone.sock" --status-file "$STATUS" --json
	expect 1 "not ok: socket $WORK/gone.sock does not exist"
	expect_one_line
	printf '%s\n' "$OUT" | jq -e '.ok == false and .engine == null
		and (.error | contains("does not exist")) and .sidecar.state == "restarting"' >/dev/null ||
		fail "unexpected JSON: $OUT"
	ok "the engine is down: the JSON still has what the sidecar says"
	probe status -s "$WORK/gone.sock" --status-file "$STATUS"
	expect 1
	case "$OUT" in *"sidecar:     restarting"*"restart in"*) ok "text says restarting" ;; *) fail "text: $OUT" ;; esac
	;;
engine-errors)
	start_fake http500
	probe status -s "$SOCK" --status-file "$WORK/none.json"
	expect 1 "/_ping answered HTTP 500"
	;;
*)
	fail "unknown case $1"
	;;
esac
