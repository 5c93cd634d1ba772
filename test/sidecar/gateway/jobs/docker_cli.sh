# shellcheck shell=sh
# The docker CLI through the gateway: run with and without --network, -p
# and random ports, exec -it, attach, logs -f, cp and build.  Prints
# "MARK name: value" lines the test checks.  $TUN=1 when the pod has a
# usable /dev/net/tun (no rewrite: podman maps ports itself).
# shellcheck source=prelude.sh
. ./prelude.sh
img=podsock.test/busybox

echo "MARK run-default: $(docker run --rm $img echo default-net-ok 2>&1)"
echo "MARK run-host: $(docker run --rm --network host $img echo host-net-ok 2>&1)"
echo "MARK run-bridge: $(docker run --rm --network bridge $img echo bridge-net-ok 2>&1)"
# (Without --rm: podman 4.3's wait for condition=removed reports 0, directly too.)
echo "MARK run-status: $(docker run --name st $img sh -c 'exit 3' >/dev/null 2>&1 && echo 0 || echo $?)"
docker rm st >/dev/null
echo "MARK stdin: $(echo stdin-roundtrip | docker run --rm -i $img cat 2>&1)"

# A command that cannot run: dockerd's exit status (127 not found, 126 not
# executable), its cause on stderr, no --rm container left behind.
cannot_run() { # MARK-NAME docker-run-args...
	name=$1
	shift
	docker run "$@" >cannot-run.out 2>&1 && rc=0 || rc=$?
	echo "MARK $name: rc=$rc left=$(docker ps -aq --filter name=^cr\$ | wc -l) $(tr '\n' ' ' <cannot-run.out)"
	docker rm cr >/dev/null 2>&1 || true
}
cannot_run notfound-rm --rm --name cr $img no-such-command
cannot_run notfound-detached-rm -d --rm --name cr $img no-such-command
cannot_run notfound-kept --name cr $img no-such-command
cannot_run notexec-rm --rm --name cr $img /etc/passwd

# -p with a random host port, as Testcontainers asks.
mkdir -p www && echo served-by-nested-httpd >www/index.html
docker run -d --name web -p 8080 -v "$PWD/www:/www" $img httpd -f -p 8080 -h /www >/dev/null
port=$(docker port web 8080/tcp | head -n1 | sed 's/.*://')
echo "MARK web-port: $port"
echo "MARK web-inspect: $(docker inspect web --format '{{json .NetworkSettings.Ports}}')"
echo "MARK web-ps: $(docker ps --filter name=web --format '{{.Ports}}')"
i=0
until out=$(busybox wget -qO- "http://127.0.0.1:$port/" 2>&1) || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "MARK web-get: $out"

# A fixed -p that is the same on both sides, and one that differs.
echo "MARK fixed-same: $(docker run -d --name fixed -p 8082:8082 $img httpd -f -p 8082 >/dev/null 2>&1 && echo created)"
echo "MARK fixed-differs: $(docker run -d --name differs -p 18083:8083 $img true 2>&1)"
echo "MARK port-taken: $(docker run -d --name clash -p 8080 $img true 2>&1)"

# exec -it needs a terminal: script(1) gives the CLI one.
echo "MARK exec-it: $(script -qec "docker exec -it web sh -c 'test -t 0 && echo exec-tty-ok'" /dev/null 2>&1 | tr -d '\r')"
echo "MARK exec: $(docker exec web cat /www/index.html 2>&1)"

# attach: output of a running container, to its end.
# It prints for 5 s, so a slow attach on a loaded machine still sees output.
docker run -d --name att $img sh -c 'i=0; while [ $i -lt 25 ]; do echo attached-line; sleep 0.2; i=$((i + 1)); done' >/dev/null
echo "MARK attach: $(docker attach att 2>&1)"

# logs -f follows until the container ends.
docker run -d --name lg $img sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done' >/dev/null
echo "MARK logs-f: $(timeout 20 docker logs -f lg 2>&1 | tr '\n' ' ')"

# cp in both directions.
echo copied-content >cpfile
docker cp cpfile web:/tmp/cpfile
docker cp web:/tmp/cpfile cpback
echo "MARK cp: $(cat cpback)"

# build with a context and a RUN step.
mkdir -p ctx && echo from-context >ctx/f.txt
printf 'FROM %s\nCOPY f.txt /f.txt\nRUN echo built >/b.txt\n' "$img" >ctx/Dockerfile
docker build -q -t podsock.test/built ctx >/dev/null 2>build.err || cat build.err
echo "MARK build: $(docker run --rm podsock.test/built cat /f.txt /b.txt 2>&1 | tr '\n' ' ')"

docker rm -f web fixed att lg >/dev/null 2>&1 || true
