# shellcheck shell=sh
# Runs in a podsim job for test/bench/perf/ab: after a warm-up, waits for
# go.N (written by the orchestrator into /builds/demo), runs one
# `docker run --rm --network host t/bb true` (BENCH_MODE=rm) or the same
# through curl with the engine's removal (api-rm) or with the removal done
# by the client as a gateway could (api-delete), or answered at the exit with
# the engine's removal still running (api-exit); writes its ms to res.N.  Ends at stop.
set -eu
docker import busybox.tar t/bb >/dev/null
api() { # METHOD PATH [curl args]
	m=$1 p=$2; shift 2
	curl -sf -X "$m" --unix-socket /sockets/podman.sock "$@" "http://d/v1.41$p"
}
run() {
	case "${BENCH_MODE:-rm}" in
	# A run that hangs (seen: podman 4.3.1 never answering wait?condition=removed)
	# counts as failed after 60 s.
	rm) timeout 60 docker run --rm --network host t/bb true ;;
	# The same API calls without the docker CLI (no attach): the engine's
	# own removal (AutoRemove, waited for with condition=removed) ...
	api-rm | api-delete | api-exit)
		id=$(api POST /containers/create -H 'Content-Type: application/json' \
			-d '{"Image":"t/bb","Cmd":["true"],"HostConfig":{"NetworkMode":"host","AutoRemove":'"$([ "$BENCH_MODE" = api-delete ] && echo false || echo true)"'}}' |
			sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
		cond=removed
		[ "$BENCH_MODE" = api-rm ] || cond=next-exit
		# api-exit: the answer at the exit, the removal left running (what a
		# gateway answering condition=removed early would give).
		api POST "/containers/$id/wait?condition=$cond" >wait.out &
		w=$!
		api POST "/containers/$id/start" >/dev/null
		wait $w || return 1
		# ... or a gateway that removes it itself once it exited.
		[ "$BENCH_MODE" != api-delete ] || api DELETE "/containers/$id?force=1" >/dev/null
		;;
	*) echo "unknown BENCH_MODE $BENCH_MODE" >&2; exit 2 ;;
	esac
}
run; run
# shellcheck source=../job-loop.sh
. ./job-loop.sh
touch ready
job_loop go run
