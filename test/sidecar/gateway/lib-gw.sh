# shellcheck shell=bash
# Shared by the gateway's integration tests: a podsim pod whose job starts
# gatewayd in front of the sidecar's socket (/sockets/podman.sock) and talks
# to it through DOCKER_HOST=unix:///tmp/gw.sock.
# shellcheck source=../../common/lib.sh disable=SC2034
. "$(dirname "${BASH_SOURCE[0]}")/../../common/lib.sh"
GW_DIR=$TOP/test/sidecar/gateway

need_gatewayd() {
	GATEWAYD=${GATEWAYD:-$BIN/gatewayd}
	[ -x "$GATEWAYD" ] || fail "$GATEWAYD is missing: build first (cmake --build build)"
}

# need_gw_pod: what every gateway test in a pod needs (or it skips/fails).
need_gw_pod() {
	need_root
	need_podman
	need_images
	need_gatewayd
}

# gw_job OPTIONS... -- JOB_SCRIPT [COPY_IN...]: runs JOB_SCRIPT (a file in
# test/sidecar/gateway/jobs) in a fresh pod; the job's output is in $OUT and its
# status in $RC.  GW_ARGS (environment) are gatewayd's extra arguments.
gw_job() {
	local -a popts=()
	while [ "$1" != -- ]; do popts+=("$1"); shift; done
	shift
	local job=$1
	shift
	local -a copies=(--copy-in "$IMAGES/busybox.tar:busybox.tar"
		--copy-in "$GATEWAYD:gatewayd"
		--copy-in "$GW_DIR/jobs/prelude.sh:prelude.sh"
		--copy-in "$GW_DIR/jobs/$job:job.sh")
	for c in "$@"; do copies+=(--copy-in "$c"); done
	# GW_VIA=sidecar: the sidecar's own gateway serves the job; else gatewayd
	# in the job fronts a sidecar whose gateway is off.
	[ "${GW_VIA:-gatewayd}" = sidecar ] || popts+=(--sidecar-arg --set=gateway.enabled=false)
	RC=0
	OUT=$("$PODSIM" --pod-dir "$WORK/pod" --log "$WORK/sidecar.log" "${copies[@]}" \
		--job-env "GW_ARGS=${GW_ARGS:-}" --job-env "GW_VIA=${GW_VIA:-gatewayd}" \
		"${popts[@]+"${popts[@]}"}" -- sh job.sh 2>&1) || RC=$?
	echo "$OUT"
}

# gw_job_ok OPTIONS... -- JOB_SCRIPT [COPY_IN...]: gw_job, failing the test
# unless the job exited 0.
gw_job_ok() {
	gw_job "$@"
	[ "$RC" = 0 ] || fail "the job failed ($RC)"
}

# mark NAME: the rest of the job's output line "MARK NAME: ..." (every match).
mark() { printf '%s\n' "$OUT" | sed -n "s/^MARK $1: //p"; }
