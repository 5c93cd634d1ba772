# shellcheck shell=bash
# The reliability cases, sourced by test/reliability/run (which sets WORK,
# RESULTS, runs, PODSIM and BENCH_BUSYBOX).  Each case runs one pod under
# `timeout`, then records its expected and measured outcome; it returns 1
# when the measured outcome is not the expected one.

# record CASE PASS(0|1) EXPECTED MEASURED
record() {
	python3 -c 'import json,sys; print(json.dumps({"case":sys.argv[1],"pass":sys.argv[2]=="1","expected":sys.argv[3],"measured":sys.argv[4]}))' \
		"$@" >>"$RESULTS"
	[ "$2" = 1 ] && echo "reliability: $1: PASS" >&2 || echo "reliability: $1: FAIL: $4" >&2
	[ "$2" = 1 ]
}

# pod BOUND_SECONDS PODSIM_ARGS... : podsim with the busybox image copied in.
pod() {
	local bound=$1
	shift
	timeout --kill-after=10 "$bound" "${PODSIM[@]}" --copy-in "$BENCH_BUSYBOX:busybox.tar" "$@"
}

# shellcheck disable=SC2016 # shell text that runs in the pod
# wait_for FILE TENTHS: waits until FILE exists, TENTHS tenths of a second at
# most: how the jobs and the pod hooks hand work to each other through files
# in /builds/demo.
WAIT_FOR='wait_for() { w=0; while [ ! -e "$1" ] && [ $w -lt "$2" ]; do sleep 0.1; w=$((w+1)); done; }'

# job NAME: writes the job script $WORK/NAME from stdin, after what every
# job starts with: wait_for, ask (ask NAME DONE: NAME.request for the pod
# hook, then up to 30 s for its DONE file), and the busybox image as t/bb.
job() {
	{
		# shellcheck disable=SC2016 # expands in the job
		printf '%s\n' "$WAIT_FOR" 'ask() { touch "$1.request"; wait_for "$2" 300; }' \
			'docker import busybox.tar t/bb >/dev/null || exit 3'
		cat
	} >"$WORK/$1"
}

# Pod-level sampler (root, sees the pod's processes): for a marker file
# /builds/demo/sample.NAME it writes /builds/demo/NAME.json with RSS and fd
# counts of the sidecar's processes and of podman, and the zombies.
# shellcheck disable=SC2016
SAMPLER=$WAIT_FOR'
sample() {
	sr=0 sf=0 pr=0 pf=0 z=0 zl=""
	for p in /proc/[0-9]*; do
		c=$(cat $p/comm 2>/dev/null) || continue
		st=$(awk "/^State/ {print \$2}" $p/status 2>/dev/null)
		[ "$st" = Z ] && { z=$((z+1)); zl="$zl $c"; continue; }
		r=$(awk "/^VmRSS/ {print \$2}" $p/status 2>/dev/null); r=${r:-0}
		f=$(ls $p/fd 2>/dev/null | wc -l)
		case "$c" in
		podsock-sidecar|gatewayd) sr=$((sr+r)); sf=$((sf+f)) ;;
		podman) pr=$((pr+r)); pf=$((pf+f)) ;;
		esac
	done
	printf "{\"sidecar_rss_kib\":%s,\"sidecar_fds\":%s,\"podman_rss_kib\":%s,\"podman_fds\":%s,\"zombies\":%s,\"zombie_names\":\"%s\"}\n" $sr $sf $pr $pf $z "$zl"
}
for n in start end; do
	wait_for /builds/demo/sample.$n 40000
	sleep 1; sample >/builds/demo/$n.tmp; mv /builds/demo/$n.tmp /builds/demo/$n.json
done'

case_many_runs() {
	job many.sh <<'JOB'
set -u
for i in 1 2 3 4 5; do docker run --rm --network host t/bb true; done
touch sample.start; while [ ! -e start.json ]; do sleep 0.1; done
n=0 f=0
while [ $n -lt "$RUNS" ]; do
	n=$((n + 1))
	docker run --rm --network host t/bb true >/dev/null 2>>err.log || f=$((f + 1))
done
left=$(docker ps -aq | wc -l)
touch sample.end; while [ ! -e end.json ]; do sleep 0.1; done
echo "{\"runs\":$n,\"failed\":$f,\"containers_left\":$left,\"start\":$(cat start.json),\"end\":$(cat end.json)}"
JOB
	local out
	# shellcheck disable=SC2154 # runs: set by test/reliability/run
	out=$(pod $((runs * 6 + 120)) --pod-hook "$SAMPLER" --copy-in "$WORK/many.sh:many.sh" \
		--job-env "RUNS=$runs" -- sh many.sh 2>"$WORK/many.log") || true
	python3 - "$out" "$runs" >"$WORK/many.verdict" <<'PY' || true
import json, sys
try:
    d = json.loads(sys.argv[1])
except Exception:
    print("0\tthe pod gave no result (timeout or crash)"); sys.exit()
s, e = d["start"], d["end"]
grow_kib = e["sidecar_rss_kib"] - s["sidecar_rss_kib"]
ok = (d["runs"] == int(sys.argv[2]) and d["failed"] == 0 and d["containers_left"] == 0
      and e["zombies"] == 0 and e["sidecar_fds"] <= s["sidecar_fds"] + 4
      and e["podman_fds"] <= s["podman_fds"] + 16 and grow_kib <= 8192)
print("%d\t%d runs, %d failed, %d containers left; zombies %d -> %d%s; sidecar RSS %d -> %d KiB, fds %d -> %d; podman RSS %d -> %d KiB, fds %d -> %d" % (
    ok, d["runs"], d["failed"], d["containers_left"], s["zombies"], e["zombies"],
    (" (" + e["zombie_names"].strip() + ")") if e["zombies"] else "",
    s["sidecar_rss_kib"], e["sidecar_rss_kib"], s["sidecar_fds"], e["sidecar_fds"],
    s["podman_rss_kib"], e["podman_rss_kib"], s["podman_fds"], e["podman_fds"]))
PY
	echo "$out" >"$BENCH_OUT/reliability-many-runs.json"
	local v
	v=$(cat "$WORK/many.verdict")
	record many-runs "${v%%$'\t'*}" \
		"$runs sequential \`docker run --rm\` all succeed, no container left, no zombie in the pod, the sidecar's fds do not grow (+4 tolerated) and its RSS grows by at most 8 MiB; podman's fds grow by at most 16" \
		"${v#*$'\t'}"
}

case_kill9_under_load() {
	job loop.sh <<'JOB'
n=0 failed=0 refused=0
while [ "$n" -lt 40 ]; do
	n=$((n + 1))
	if ! out=$(docker run --rm --network host t/bb true 2>&1); then
		failed=$((failed + 1))
		case "$out" in *"connection refused"* | *"Cannot connect"*) refused=$((refused + 1)) ;; esac
	fi
done
back=no; docker run --rm --network host t/bb true && back=yes
echo "runs=$n failed=$failed refused=$refused back=$back"
JOB
	local hook='sleep 4; pkill -KILL -f "^podman system service"; sleep 6; pkill -KILL -f "^podman system service"'
	local out restarts
	out=$(pod 400 --log "$BENCH_OUT/reliability-kill9-sidecar.log" --pod-hook "$hook" --copy-in "$WORK/loop.sh:loop.sh" -- sh loop.sh 2>/dev/null) || true
	restarts=$(grep -c 'restarted podman' "$BENCH_OUT/reliability-kill9-sidecar.log" || true)
	local failed=${out#*failed=}; failed=${failed%% *}
	local pass=0
	case "$out" in *"runs=40 "*"refused=0 back=yes"*) [ "${failed:-99}" -le 2 ] && [ "$restarts" -ge 2 ] && pass=1 ;; esac
	record kill9-under-load $pass \
		"podman killed twice (SIGKILL) during 40 sequential \`docker run\`: the sidecar restarts it twice, no client sees 'connection refused', at most the 2 in-flight runs fail, the engine answers afterwards" \
		"${out:-no output (pod timed out)}; sidecar logged $restarts restarts"
}

case_sigstop() {
	job stop.sh <<'JOB'
ask stop stopped
podsock-probe ready --timeout 2000 >ready.out 2>&1; r=$?
podsock-probe live --timeout 2000 >live.out 2>&1; l=$?
ask cont continued
sleep 2
podsock-probe ready --timeout 5000 >/dev/null 2>&1; r2=$?
echo "ready=$r live=$l ready_after_cont=$r2"
echo "ready says: $(tr '\n' ' ' <ready.out)"
echo "live says: $(tr '\n' ' ' <live.out)"
JOB
	local hook=$WAIT_FOR'
wait_for /builds/demo/stop.request 600
pkill -STOP -f "^podman system service"; touch /builds/demo/stopped
wait_for /builds/demo/cont.request 600
pkill -CONT -f "^podman system service"; touch /builds/demo/continued'
	local out
	out=$(pod 300 --log "$BENCH_OUT/reliability-stop-sidecar.log" --pod-hook "$hook" --copy-in "$WORK/stop.sh:stop.sh" -- sh stop.sh 2>/dev/null) || true
	local pass=0
	case "$out" in *"ready=1 live=1 ready_after_cont=0"*) pass=1 ;; esac
	record sigstop $pass \
		"podman stopped with SIGSTOP: \`podsock-probe ready\` fails (exit 1), \`podsock-probe live\` fails (exit 1) so the kubelet would restart the sidecar; after SIGCONT ready passes again" \
		"$(echo "$out" | tr '\n' ' ')"
}

case_socket_dir_removed() {
	job rmsock.sh <<'JOB'
ask rm removed
podsock-probe ready --timeout 2000 >ready.out 2>&1; r=$?
docker run --rm --network host t/bb true >run.out 2>&1; d=$?
sleep 3
ls -la /sockets/ >ls.out 2>&1
echo "ready=$r docker_run=$d"
echo "ready says: $(tr '\n' ' ' <ready.out)"
echo "docker says: $(tr '\n' ' ' <run.out)"
echo "socket dir 3 s later: $(tr '\n' ' ' <ls.out)"
JOB
	# /sockets is an emptyDir mount: its contents go, the mount point stays.
	local hook=$WAIT_FOR'
wait_for /builds/demo/rm.request 600
rm -rf /sockets/* /sockets/.[!.]* 2>/dev/null; touch /builds/demo/removed'
	local out logl
	out=$(pod 300 --log "$BENCH_OUT/reliability-rmsock-sidecar.log" --pod-hook "$hook" --copy-in "$WORK/rmsock.sh:rmsock.sh" -- sh rmsock.sh 2>/dev/null) || true
	logl=$(grep -i '"msg":"[^"]*socket' "$BENCH_OUT/reliability-rmsock-sidecar.log" | tail -n 3 | tr '\n' ' ')
	local pass=0
	case "$out" in *"ready=1 "*) case "$out" in *"ready says:"*[Nn]o\ such*|*"ready says:"*missing*|*"ready says:"*"does not exist"*) [ -n "$logl" ] && pass=1 ;; esac ;; esac
	record socket-dir-removed $pass \
		"the socket directory's contents removed under a running sidecar: \`podsock-probe ready\` fails and says the socket is missing; the sidecar's log says so" \
		"$(echo "$out" | tr '\n' ' ') sidecar log lines about the socket: ${logl:-none}"
}

case_storage_full() {
	# A 160 MiB tmpfs as the storage volume (podsim binds POD_DIR/storage),
	# with the watchdog's limit set above it so the volume really fills.
	mkdir -p "$WORK/full/storage"
	mount -t tmpfs -o size=160m tmpfs "$WORK/full/storage"
	job fill.sh <<'JOB'
mkdir rootfs && tar -xf busybox.tar -C rootfs
i=0 err=""
while [ $i -lt 20 ]; do
	i=$((i + 1))
	head -c 25000000 /dev/urandom >rootfs/blob
	tar -C rootfs -cf img.tar . && rm -f rootfs/blob
	if ! err=$(docker import img.tar t/fill:$i 2>&1 >/dev/null); then break; fi
	err=""
done
rm -f img.tar
echo "imports_tried=$i"
echo "error: $(echo "$err" | tr '\n' ' ')"
podsock-probe ready --timeout 3000 >/dev/null 2>&1; echo "ready_when_full=$?"
docker rmi t/fill:1 t/fill:2 >/dev/null 2>&1
docker run --rm --network host t/bb echo run-after-cleanup 2>&1 | tail -n 1
JOB
	local out
	out=$(pod 400 --pod-dir "$WORK/full" --keep --log "$BENCH_OUT/reliability-full-sidecar.log" --sidecar-arg --set=storage.sizeLimit=4Gi \
		--copy-in "$WORK/fill.sh:fill.sh" -- sh fill.sh 2>/dev/null) || true
	local logl
	logl=$(grep -i -E 'space|disk|full' "$BENCH_OUT/reliability-full-sidecar.log" | tail -n 2 | tr '\n' ' ')
	local pass=0
	case "$out" in *"no space left"*"ready_when_full=0"*run-after-cleanup*) pass=1 ;; esac
	record storage-full $pass \
		"a 160 MiB storage volume filled by 25 MB image imports: the import that does not fit fails with 'no space left on device', the engine stays ready, and after removing images a container runs again" \
		"$(echo "$out" | tr '\n' ' ') sidecar log: ${logl:-nothing about disk space}"
}

case_bad_config() {
	printf 'storage:\n  sizeLimit: 2Gi\n  drivers: [vfs, overlay\nengine: {}\n' >"$WORK/bad.yaml"
	chmod 644 "$WORK/bad.yaml"
	local out rc=0
	out=$(timeout 30 setpriv --reuid "$PODSOCK_UID" --regid "$PODSOCK_UID" --clear-groups \
		"$BENCH_BIN/podsock-sidecar" --config "$WORK/bad.yaml" --socket "$WORK/x.sock" 2>&1) || rc=$?
	local pass=0
	[ "$rc" = 2 ] && [[ "$out" =~ bad\.yaml:[0-9]+:[0-9]+ ]] && pass=1
	record bad-config $pass \
		"a configuration file with a YAML syntax error (unclosed flow sequence): the sidecar exits 2 before starting anything, naming file:line:col" \
		"exit $rc; stderr: $(echo "$out" | head -n 3 | tr '\n' ' ')"
}

# The integration tests below, run as ctest runs them but on the binaries
# and images of this run.
it_env() {
	env PODSOCK_TOP="$BENCH_TOP" PODSOCK_BUILD="$BENCH_TOP/build" PODSOCK_BIN="$BENCH_BIN" "$@"
}

# Issue 16: test/sidecar/handback_race.sh in each kind of pod with the
# issue's 200 rounds of `docker run --rm` (HANDBACK_ROUNDS) and
# HANDBACK_OTHER_ROUNDS (default 10) of each other way a container ends.
case_handback_race() {
	local c out rc bad=0 rounds=${HANDBACK_ROUNDS:-200} other=${HANDBACK_OTHER_ROUNDS:-10}
	for c in standard supplementary openshift userns; do
		rc=0
		out=$(it_env HANDBACK_ROUNDS="$rounds" HANDBACK_OTHER_ROUNDS="$other" timeout --kill-after=10 \
			$((rounds * 8 + other * 120 + 300)) bash "$BENCH_TOP/test/sidecar/handback_race.sh" "$c" 2>&1) || rc=$?
		echo "$out" >"$BENCH_OUT/reliability-handback-race-$c.log"
		record "handback-race-$c" "$([ "$rc" = 0 ] && echo 1 || echo 0)" \
			"$c pod: $rounds x \`docker run --rm --user 1234:1234 -v \"\$PWD:/w\"\` writing a 0700 tree, then the job (uid 1600) reads, checks the owners of and deletes it with no sleep: 0 failures; the same $other x each for run -d + wait, stop, exec -u 1234, docker-compose up and run --rm, testcontainers-node stop" \
			"exit $rc; $(grep '^SUMMARY' <<<"$out" | cut -d' ' -f3- | paste -sd';' -)$(grep -m3 '^FAILDETAIL' <<<"$out" | sed 's/^FAILDETAIL/; first failures:/' | tr '\n' ' ')" ||
			bad=1
	done
	return $bad
}

# Issue 16: init.userns_pod (test/init/userns_pod.sh) USERNS_POD_RUNS times
# in a row (default 50); every run counts, failures are grouped by the
# test's first FAIL line, the first failure's output is kept.
case_userns_pod_50() {
	local i rc out passed=0 n=${USERNS_POD_RUNS:-50} reasons=$WORK/userns-pod.reasons
	: >"$reasons"
	for i in $(seq 1 "$n"); do
		rc=0
		out=$(it_env timeout --kill-after=10 300 bash "$BENCH_TOP/test/init/userns_pod.sh" 2>&1) || rc=$?
		if [ "$rc" = 0 ]; then
			passed=$((passed + 1))
		else
			[ -s "$reasons" ] || echo "$out" >"$BENCH_OUT/reliability-userns-pod-first-failure.log"
			{ grep -m1 '^FAIL' <<<"$out" || echo "exit $rc"; } | cut -c1-160 >>"$reasons"
		fi
		echo "reliability: userns-pod-50: run $i exit $rc ($passed passed so far)" >&2
	done
	record userns-pod-50 "$([ "$passed" = "$n" ] && echo 1 || echo 0)" \
		"init.userns_pod (test/init/userns_pod.sh) passes $n times in a row" \
		"$passed of $n passed$([ -s "$reasons" ] && echo "; failures by reason: $(sort "$reasons" | uniq -c | sed 's/^ *//' | paste -sd';' -)")"
}
