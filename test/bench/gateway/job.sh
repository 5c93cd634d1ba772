# shellcheck shell=sh
# Runs inside the podsim job: gateway vs podman's socket, same engine, same run.
set -eu
chmod +x ./gatewayd ./pingbench
./gatewayd --listen /tmp/gw.sock --engine /sockets/podman.sock --rewrite-network 2>/tmp/gw.log &
sleep 0.3
DIRECT=/sockets/podman.sock GW=/tmp/gw.sock
docker import busybox.tar podsock.test/busybox >/dev/null
N=${BENCH_PINGS:-3000}
# Warm both paths, then alternate the order to spread drift.
./pingbench $DIRECT 200 >/dev/null; ./pingbench $GW 200 >/dev/null
for round in 1 2; do
	./pingbench $DIRECT "$N" | sed "s/^/RESULT ping direct round$round /"
	./pingbench $GW "$N" | sed "s/^/RESULT ping gateway round$round /"
done
RUNS=${BENCH_RUNS:-10}
hyperfine -N --warmup 2 --runs "$RUNS" --export-json run.json \
	-n direct "docker -H unix://$DIRECT run --rm --network host podsock.test/busybox true" \
	-n gateway "docker -H unix://$GW run --rm --network host podsock.test/busybox true" \
	-n gateway-rewritten "docker -H unix://$GW run --rm podsock.test/busybox true" >/dev/null 2>&1
python3 -c '
import json
r = {x["command"]: x for x in json.load(open("run.json"))["results"]}
for k in ("direct", "gateway", "gateway-rewritten"):
    print("RESULT run %s mean_s=%.4f stddev_s=%.4f median_s=%.4f" % (k, r[k]["mean"], r[k]["stddev"], r[k]["median"]))
'
# docker load: a ~200 MB single-layer image tar, loaded through each path.
mkdir -p img && head -c 200M /dev/urandom >img/blob && tar -C img -cf img.tar blob && rm -rf img
docker import img.tar podsock.test/loadbench >/dev/null && rm img.tar
docker save podsock.test/loadbench -o load.tar
size=$(stat -c %s load.tar)
for round in 1 2 3; do
	for path in direct gateway; do
		sock=$DIRECT; [ $path = gateway ] && sock=$GW
		docker rmi -f podsock.test/loadbench >/dev/null 2>&1 || true
		t0=$(date +%s.%N)
		docker -H unix://$sock load -i load.tar >/dev/null
		t1=$(date +%s.%N)
		echo "RESULT load $path round$round bytes=$size seconds=$(awk "BEGIN { print $t1 - $t0 }")"
	done
done
rm -f load.tar
