# shellcheck shell=sh
# Runs inside the podsim job: build a multi-layer image FROM the local
# busybox, then create+start CTRS containers; waits for the pod hook's du.
# Prints one JSON object on stdout.
set -eu
CTRS=${BENCH_CTRS:-5}
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
docker import busybox.tar t/bb >/dev/null
driver=$(docker info --format '{{.Driver}}')
# podman reports fuse-overlayfs as "overlay"; its DriverStatus tells them apart.
status=$(docker info --format '{{json .DriverStatus}}' | tr -d '"' | tr '\n' ' ')
mkdir -p ctx && head -c 4194304 /dev/urandom >ctx/blob && seq 1 2000 >ctx/list
cat >ctx/Containerfile <<'CF'
FROM t/bb
RUN dd if=/dev/urandom of=/layer1 bs=1M count=8 2>/dev/null
COPY blob /blob
RUN mkdir /many && for i in $(seq 1 300); do echo $i >/many/$i; done
COPY list /list
RUN dd if=/dev/urandom of=/layer3 bs=1M count=8 2>/dev/null
RUN rm /layer1 && echo done >/done
CF
t0=$(now)
docker build -q --network host -f ctx/Containerfile -t t/layered ctx >/dev/null
t1=$(now)
i=0
while [ $i -lt "$CTRS" ]; do
	docker run -d --network host --name c$i t/layered sleep 600 >/dev/null
	i=$((i + 1))
done
t2=$(now)
touch du.request
w=0
while [ ! -e du.bytes ] && [ $w -lt 600 ]; do sleep 0.1; w=$((w + 1)); done
i=0
while [ $i -lt "$CTRS" ]; do docker rm -f c$i >/dev/null; i=$((i + 1)); done
layers=$(docker history -q t/layered | wc -l)
echo "{\"driver\":\"$driver\",\"driver_status\":\"$status\",\"build_ms\":$(ms $t0 $t1),\"image_layers\":$layers,\"containers\":$CTRS,\"create_start_ms\":$(ms $t1 $t2),\"disk_used_bytes\":$(cat du.bytes)}"
