# shellcheck shell=sh
# A 200 MB image: built through the gateway (a 200 MB build context), then
# docker save | docker load through it; the loaded image must be the same.
# shellcheck source=prelude.sh
. ./prelude.sh
mkdir -p big && head -c 200M /dev/urandom >big/blob
printf 'FROM podsock.test/busybox\nCOPY blob /blob\n' >big/Dockerfile
t0=$(date +%s.%N)
docker build -q -t podsock.test/big big >/dev/null
t1=$(date +%s.%N)
rm -f big/blob
before=$(docker run --rm podsock.test/big md5sum /blob | cut -d' ' -f1)
docker save podsock.test/big -o big.tar
echo "MARK tar-size: $(stat -c %s big.tar)"
docker rmi -f podsock.test/big >/dev/null
t2=$(date +%s.%N)
echo "MARK load-file: $(docker load -i big.tar 2>&1 | tail -n1)"
t3=$(date +%s.%N)
echo "MARK loaded-md5: $(docker run --rm podsock.test/big md5sum /blob | cut -d' ' -f1) was $before"
# A pipe, as in the issue: save | load.
echo "MARK load-pipe: $(docker save podsock.test/big | docker load 2>&1 | tail -n1)"
echo "MARK timing: build $(awk "BEGIN { print $t1 - $t0 }") s, load $(awk "BEGIN { print $t3 - $t2 }") s"
rm -f big.tar
