# shellcheck shell=sh
# Policy and default limits through the gateway (see policy.sh for the flags).
# shellcheck source=prelude.sh
. ./prelude.sh
img=podsock.test/busybox
mkdir -p data && echo inside-builds >data/f
echo "MARK bind-builds: $(docker run --rm -v "$PWD/data:/d" $img cat /d/f 2>&1)"
echo "MARK bind-etc: $(docker run --rm -v /etc:/x $img true 2>&1)"
echo "MARK bind-dotdot: $(docker run --rm -v "$PWD/../../etc:/x" $img true 2>&1)"
ln -s /etc etclink
echo "MARK bind-symlink: $(docker run --rm -v "$PWD/etclink:/x" $img true 2>&1)"
echo "MARK mount-etc: $(docker run --rm --mount type=bind,src=/etc,dst=/x $img true 2>&1)"
echo "MARK volume: $(docker run --rm -v gwvol:/v $img sh -c 'echo vol-ok >/v/f; cat /v/f' 2>&1)"
echo "MARK privileged: $(docker run --rm --privileged $img true 2>&1)"
docker run -d --name box $img sleep 60 >/dev/null
echo "MARK exec-privileged: $(docker exec --privileged box true 2>&1)"
echo "MARK exec-plain: $(docker exec box echo exec-ok 2>&1)"
# A percent-encoded path must not slip past the policy.
echo "MARK encoded: $(curl -s --unix-socket /tmp/gw.sock -H 'Content-Type: application/json' \
	-d '{"Image":"podsock.test/busybox","HostConfig":{"Privileged":true}}' \
	'http://d/v1.41/containers/%63reate' 2>&1)"
echo "MARK kube: $(curl -s --unix-socket /tmp/gw.sock -X POST -d 'x' 'http://d/v4.0.0/libpod/play/kube' 2>&1)"
# Default limits when the request sets none, kept when it sets some.
docker create --name lim $img true >/dev/null
echo "MARK limits-default: $(docker inspect lim --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}')"
docker create --name lim2 --memory 100m --pids-limit 50 $img true >/dev/null
echo "MARK limits-set: $(docker inspect lim2 --format '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}')"
docker rm -f box lim lim2 >/dev/null
