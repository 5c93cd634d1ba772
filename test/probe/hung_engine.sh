#!/usr/bin/env bash
# A real podman, stopped with SIGSTOP while the job runs: ready and live time
# out on time, live calls it hung when the sidecar says it runs, and not when
# the sidecar says it restarts it; after SIGCONT, wait sees it again.
. "$(dirname "$0")/lib.sh"
need_root
need_podman

# At pod level, as root: stop podman when the job asks, continue it later.
# Rootless podman is two processes (the second re-executed inside the user
# namespace serves the API): stop both, by pid.  pgrep here sees only this
# pod's processes (its own PID namespace).
hook='d=/builds/demo
while [ ! -e $d/stop-engine ]; do sleep 0.1; done
pids=$(pgrep -f "^podman system service")
kill -STOP $pids && echo "$pids" >$d/engine-stopped
while [ ! -e $d/cont-engine ]; do sleep 0.1; done
kill -CONT $pids || true
touch $d/engine-continued'

cat >"$WORK/job.sh" <<'JOB'
#!/bin/sh
ms() { echo $(($(date +%s%N) / 1000000)); }
waitfor() { n=0; while [ ! -e "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done; }
podsock-probe ready || exit 11
touch stop-engine
waitfor engine-stopped
[ -e engine-stopped ] || exit 12
now=$(ms)
t0=$(ms); podsock-probe ready --timeout 500 2>ready.err; echo $? >ready.rc; echo $(($(ms) - t0)) >ready.ms
podsock-probe live --timeout 500 --status-file none.json 2>live-none.err; echo $? >live-none.rc
printf '{"state":"running","engine_pid":77,"updated_ms":%s}\n' "$now" >running.json
t0=$(ms); podsock-probe live --timeout 500 --status-file running.json 2>live-running.err
echo $? >live-running.rc; echo $(($(ms) - t0)) >live-running.ms
printf '{"state":"restarting","restarts":1,"updated_ms":%s,"backoff_until_ms":%s}\n' "$now" $((now + 4000)) >restarting.json
podsock-probe live --timeout 500 --status-file restarting.json 2>live-restarting.err; echo $? >live-restarting.rc
if [ -e /run/podsock/status.json ]; then
	cp /run/podsock/status.json sidecar-status.json
	podsock-probe live --timeout 500 2>live-sidecar.err; echo $? >live-sidecar.rc
fi
touch cont-engine
waitfor engine-continued
podsock-probe wait --timeout 20 2>wait.err; echo $? >wait.rc
podsock-probe live 2>live-after.err; echo $? >live-after.rc
exit 0
JOB

run_podsim_job --pod-hook "$hook"

check() { # FILE_PREFIX WANT_RC TEXT
	local rc err
	rc=$(cat "$1.rc")
	err=$(cat "$1.err")
	[ "$rc" = "$2" ] || fail "$1: exited $rc, expected $2: $err"
	case "$err" in *"$3"*) ok "$1: exit $rc, says '$3'" ;; *) fail "$1: stderr does not say '$3': $err" ;; esac
}
check ready 1 "no answer from /sockets/podman.sock within 500 ms"
ms=$(cat ready.ms)
[ "$ms" -ge 500 ] && [ "$ms" -le 600 ] || fail "ready --timeout 500 took $ms ms (with sh and date around it)"
ok "ready --timeout 500 against a stopped podman took $ms ms (including sh and date)"
check live-none 1 "no status file at none.json"
check live-running 1 "engine does not answer (hung?) though the sidecar reports it running (pid 77)"
check live-restarting 0 "alive: the sidecar is restarting the engine"
if [ -e live-sidecar.rc ]; then
	echo "the sidecar's own status file: $(cat sidecar-status.json)"
	check live-sidecar 1 "engine does not answer (hung?) though the sidecar reports it running"
fi
check wait 0 "ready after"
[ "$(cat live-after.rc)" = 0 ] || fail "live after SIGCONT: $(cat live-after.err)"
ok "after SIGCONT the engine is ready and alive again"
remove_pod
