#!/usr/bin/env bash
# What the pod allows -> what the sidecar chooses, each case in podsim with a
# real `docker run -v` through the socket.  Each case names the Kubernetes
# setting that produces it.  Usage: detect_matrix.sh [CASE]  (default: all)
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/job.sh" <<'JOB'
#!/bin/sh
set -eu
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm ${NETFLAG:-} -v "$CI_PROJECT_DIR:/w" podsock.test/busybox \
	sh -c 'echo made-by-container > /w/x'
echo "job-read: $(cat x)"
rm x
JOB

# run_case NAME "K8S SETTING" "PODSIM ARGS" EXPECT...: EXPECT are "key":"value"
# pairs that the sidecar's "engine configuration chosen" line must hold.
run_case() {
	local name=$1 k8s=$2 args=$3 out log
	shift 3
	echo "--- case $name ($k8s)"
	log="$WORK/$name.log"
	# shellcheck disable=SC2086
	out=$("$PODSIM" --log "$log" $args --copy-in "$IMAGES/busybox.tar:busybox.tar" \
		--copy-in "$WORK/job.sh:job.sh" -- sh job.sh 2>&1) || fail "$name: job failed: $out
$(tail -n 15 "$log")"
	assert_contains "$out" "job-read: made-by-container" "$name: docker run -v through the socket works"
	local chosen
	chosen=$(grep '"msg":"engine configuration chosen"' "$log") || fail "$name: no choice logged"
	for want in "$@"; do
		assert_contains "$chosen" "$want" "$name: chose $want"
	done
}

host='--job-env NETFLAG=--network=host'
cases=${1:-all}
want() { [ "$cases" = all ] || [ "$cases" = "$1" ]; }

want all_available && run_case all_available \
	"fuse and tun device-plugin resources, emptyDir on node disk" \
	"--device fuse --device tun" \
	'"storage_driver":"overlay"' '"network":"private"' '"id_mapping":"subuid"' '"proc":"fresh"'
want overlay_impossible_fuse && run_case overlay_impossible_fuse \
	"no storage volume (container's overlay root fs), /dev/fuse granted" \
	"--storage-on-overlay --device fuse $host" \
	'"storage_driver":"fuse-overlayfs"' '"storage_filesystem":"overlay"'
want overlay_impossible_nofuse && run_case overlay_impossible_nofuse \
	"no storage volume (container's overlay root fs), no /dev/fuse" \
	"--storage-on-overlay $host" \
	'"storage_driver":"vfs"' '"storage_filesystem":"overlay"'
want no_new_privs && run_case no_new_privs \
	"allowPrivilegeEscalation: false" \
	"--no-new-privs $host" \
	'"id_mapping":"single-id"' '"storage_driver":"overlay"'
want no_setuid_caps && run_case no_setuid_caps \
	"capabilities: {drop: [ALL]} without add: [SETUID, SETGID]" \
	"--drop-setuid $host" \
	'"id_mapping":"single-id"'
want tun_usable && run_case tun_usable \
	"a tun device-plugin resource (/dev/net/tun 0666)" \
	"--device tun" \
	'"network":"private"'
want tun_masked_proc && run_case tun_masked_proc \
	"a tun device-plugin resource and procMount: Default (read-only /proc/sys)" \
	"--device tun --mask-proc" \
	'"network":"private"' '"proc":"bind"'
want tun_absent && run_case tun_absent \
	"no /dev/net/tun (the usual pod)" \
	"$host" \
	'"network":"host"' '"id_mapping":"subuid"' '"storage_driver":"overlay"'
want proc_masked && run_case proc_masked \
	"procMount: Default (the runtime masks /proc)" \
	"--mask-proc $host" \
	'"proc":"bind"'

# No engine at all: RuntimeDefault seccomp refuses user namespaces.
if want no_engine; then
	echo "--- case no_engine (seccompProfile: RuntimeDefault)"
	run_expect 1 "$PODSIM" --seccomp-runtime-default --check-only --log "$WORK/check.log"
	report=$(printf '%s\n' "$OUT" | sed -n '/^{/,/^}/p')
	echo "$report" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["can_run"] is False, r
assert "user namespace" in r["why_not"], r["why_not"]
fix = [l["kubernetes"] for l in r["limitations"] if l["probe"] == "user_namespaces"]
assert fix and "seccompProfile" in fix[0], r["limitations"]
' || fail "no_engine: --check report: $report"
	ok "no_engine: --check exits 1 with a report naming seccompProfile"
	out=$("$PODSIM" --seccomp-runtime-default --log "$WORK/noengine.log" -- \
		sh -c 'ls -la /sockets; podsock-probe ready' 2>&1) && fail "no_engine: the pod started: $out"
	assert_contains "$out" "pod did not start" "no_engine: the pod does not start"
	assert_contains "$out" "sidecar exited with status 1" "no_engine: the sidecar exits non-zero"
	log=$(cat "$WORK/noengine.log")
	assert_contains "$log" '"msg":"no engine can run in this pod"' "no_engine: the log says so"
	assert_contains "$log" '\"can_run\":false' "no_engine: with the report"
	# No socket that accepts connections is left: podsim's startupProbe saw
	# none, and the sidecar removed the file when it gave up.
	assert_contains "$log" "giving up:" "no_engine: the sidecar gave up before serving"
fi
