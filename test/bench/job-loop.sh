# shellcheck shell=sh
# The loop of the benchmarks' podsim jobs (test/bench/dockerd/job.sh,
# test/bench/perf/job-ab.sh).  job_loop TRIGGER CMD...: for N = 1, 2, ...
# waits for the file TRIGGER.N that the orchestrator writes into
# /builds/demo (or for stop, which ends the loop), runs CMD N, and writes its
# wall time in ms, or "fail", to res.N (whole: written aside, then renamed).
job_loop() {
	trigger=$1
	shift
	i=1
	while :; do
		while [ ! -e "$trigger.$i" ] && [ ! -e stop ]; do sleep 0.005; done
		[ ! -e stop ] || break
		s=$(date +%s%N)
		if "$@" "$i"; then r=$((($(date +%s%N) - s) / 1000000)); else r=fail; fi
		echo "$r" >"res.$i.tmp" && mv "res.$i.tmp" "res.$i"
		i=$((i + 1))
	done
}
