# shellcheck shell=sh
# Runs inside the podsim job: SEQ sequential and CONC x PER concurrent
# `docker run --rm` against whatever engine serves /sockets/podman.sock.
# Prints one JSON object on stdout.
set -eu
SEQ=${BENCH_SEQ:-200} CONC=${BENCH_CONC:-8} PER=${BENCH_PER:-25}
docker import busybox.tar t/bb >/dev/null
docker run --rm --network host t/bb true # warm-up
now() { date +%s%N; }
fails=0
t0=$(now)
i=0
while [ $i -lt "$SEQ" ]; do
	docker run --rm --network host t/bb true >/dev/null 2>>err.log || fails=$((fails + 1))
	i=$((i + 1))
done
t1=$(now)
w=0
while [ $w -lt "$CONC" ]; do
	(
		f=0 j=0
		while [ $j -lt "$PER" ]; do
			docker run --rm --network host t/bb true >/dev/null 2>>err.log || f=$((f + 1))
			j=$((j + 1))
		done
		echo $f >fails.$w
	) &
	w=$((w + 1))
done
wait
t2=$(now)
cfails=$(cat fails.* | awk '{s+=$1} END {print s+0}')
echo "{\"seq_runs\":$SEQ,\"seq_s\":$(awk "BEGIN{print ($t1-$t0)/1e9}"),\"seq_failures\":$fails,\"conc_workers\":$CONC,\"conc_per_worker\":$PER,\"conc_s\":$(awk "BEGIN{print ($t2-$t1)/1e9}"),\"conc_failures\":$cfails}"
