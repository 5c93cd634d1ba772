#!/usr/bin/env bash
# The differential workload job: the steps of a real CI pipeline, run against
# whatever engine DOCKER_HOST names (podsock in a podsim pod, or the reference
# dockerd), as a non-root job user in its project directory.
#
#   job.sh DIR     DIR holds images/ (NAME.tar, NAME.changes from
#                  scripts/make-test-images), files/ (this directory's build
#                  contexts and compose file) and, optionally, node/
#                  (test/node with testcontainers)
#
# Each step prints one line `RESULT STEP VALUE` (VALUE: what Docker users can
# observe: exit statuses, output, owners) and, when a command failed, lines
# `DETAIL STEP: ...` with its error.  workloads.sh compares the values of the
# engines.  Every docker command has a deadline (WL_TIMEOUT, default 90 s), so
# a hang is a result (124), not a stuck suite.  WL_STEPS (space-separated)
# runs only those steps.
# Container commands are single-quoted: they expand in the container.
# shellcheck disable=SC2016
set -euo pipefail
dir=$(cd "${1:?usage: job.sh DIR}" && pwd)
images=$dir/images
files=$dir/files
T=${WL_TIMEOUT:-90}
export HOME
HOME=$(mktemp -d /tmp/wl-home.XXXXXX)
export DOCKER_CONFIG=$HOME/.docker
# The CLI's warnings about the daemon's IPv4 forwarding differ by engine.
unset DOCKER_BUILDKIT
D=podsock.test
started=$(date +%s)

res() { printf 'RESULT %s %s\n' "$1" "$2"; }
detail() { [ "${RC:-0}" != 0 ] || return 0; printf '%s\n' "$2" | grep -v -e '^WARNING: IPv4 forwarding' -e '^$' | head -n 6 | sed "s/^/DETAIL $1: /" || true; }

# r CMD...: runs CMD with the deadline; output (stdout and stderr) in OUT,
# status in RC; never fails.
r() {
	RC=0
	OUT=$(timeout -k 5 "$T" "$@" 2>&1) || RC=$?
	OUT=$(printf '%s\n' "$OUT" | grep -v '^WARNING: IPv4 forwarding is disabled' || true)
}

# oneline TEXT: TEXT without carriage returns, lines joined with ','.
oneline() { printf '%s' "$1" | tr -d '\r' | paste -sd, -; }

# state NAME FIELD: a container's inspect field (or "gone").
state() { docker inspect -f "{{.State.$2}}" "$1" 2>/dev/null || echo gone; }

# wait_log NAME TEXT: until the container's logs contain TEXT (10 s).
wait_log() {

	for _ in $(seq 1 100); do
		docker logs "$1" 2>&1 | grep -q -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

rmf() { docker rm -f "$@" >/dev/null 2>&1 || true; }

want() { [ -z "${WL_STEPS:-}" ] || [[ " $WL_STEPS " == *" $1 "* ]]; }

# Images: debian and postgres imported from their tarballs with their
# `--change` lines; http and nonroot (the debian tarball with other changes)
# built FROM debian with the same lines as a Dockerfile (no RUN: as cheap as
# a tag, instead of importing the same 130 MB twice more).
step_import() {
	local name a c
	for name in debian postgres; do
		[ -s "$images/$name.tar" ] || { res "import-$name" "missing"; continue; }
		a=()
		while IFS= read -r c; do a+=(--change "$c"); done <"$images/$name.changes"
		r docker import "${a[@]}" "$images/$name.tar" "$D/$name"
		res "import-$name" "rc=$RC"
		[ "$RC" = 0 ] || detail "import-$name" "$OUT"
	done
	for name in http nonroot; do
		mkdir -p "$HOME/img-$name"
		{ echo "FROM $D/debian"; cat "$images/$name.changes"; } >"$HOME/img-$name/Dockerfile"
		r env DOCKER_BUILDKIT=0 docker build -q -t "$D/$name" "$HOME/img-$name"
		res "image-$name" "rc=$RC user=$(docker image inspect -f '{{.Config.User}}' "$D/$name" 2>&1)"
		[ "$RC" = 0 ] || detail "image-$name" "$OUT"
	done
}

step_run_exit() {
	r docker run --rm --name wl-rm3 "$D/debian" sh -c 'echo out; exit 3'
	res run-rm-exit3 "rc=$RC out=$(oneline "$OUT") left=$(docker ps -aq --filter name=^wl-rm3\$ | wc -l)"
	r docker run --name wl-exit3 "$D/debian" sh -c 'exit 3'
	res run-exit3 "rc=$RC inspect=$(state wl-exit3 ExitCode)"
	rmf wl-exit3
	r docker run --rm "$D/debian" sh -c 'exit 0'
	res run-rm-exit0 "rc=$RC"
	r docker run --rm --name wl-nf "$D/debian" no-such-command
	res run-rm-notfound "rc=$RC left=$(docker ps -aq --filter name=^wl-nf\$ | wc -l)"
	detail run-rm-notfound "$OUT"
	r docker run -d --rm --name wl-nfd "$D/debian" no-such-command
	res run-detached-rm-notfound "rc=$RC left=$(docker ps -aq --filter name=^wl-nfd\$ | wc -l)"
	detail run-detached-rm-notfound "$OUT"
}

step_run_signal() {
	# Attached `docker run --rm`, the container killed from outside.
	local pid
	timeout -k 5 "$T" docker run --rm --name wl-kill "$D/debian" sleep 300 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do [ "$(state wl-kill Running)" = true ] && break; sleep 0.1; done
	r docker kill wl-kill
	local krc=$RC
	RC=0
	wait "$pid" || RC=$?
	sleep 0.5
	res run-rm-killed "kill=$krc rc=$RC left=$(docker ps -aq --filter name=^wl-kill\$ | wc -l)"
	# The main process (under --init) dies of SIGTERM: 143.
	r docker run --rm --init "$D/debian" sh -c 'kill -TERM $$; sleep 5'
	res run-rm-init-sigterm "rc=$RC"
	detail run-rm-init-sigterm "$OUT"
}

step_wait() {
	r docker run -d --name wl-wait "$D/debian" sh -c 'sleep 1; exit 5'
	local run=$RC
	r docker wait wl-wait
	res run-detached-wait "run=$run rc=$RC out=$(oneline "$OUT") inspect=$(state wl-wait ExitCode)"
	r docker run -d --rm --name wl-waitrm "$D/debian" sh -c 'sleep 1; exit 6'
	run=$RC
	r docker wait wl-waitrm
	res run-detached-rm-wait "run=$run rc=$RC out=$(oneline "$OUT")"
	# wl-wait stays (exited) for kill and cp on a stopped container.
}

step_stop() {
	local t0 t1
	# PID 1 traps TERM and needs 2 s: Docker's default 10 s lets it finish.
	r docker run -d --name wl-trap "$D/debian" sh -c \
		'trap "sleep 2; echo trapped; exit 7" TERM; echo ready; while :; do sleep 0.2; done'
	wait_log wl-trap ready || true
	t0=$(date +%s)
	r docker stop wl-trap
	t1=$(date +%s)
	local trapped=no
	docker logs wl-trap 2>&1 | grep -q trapped && trapped=yes
	res stop-trap "rc=$RC exit=$(state wl-trap ExitCode) trapped=$trapped in-time=$([ $((t1 - t0)) -lt 9 ] && echo yes || echo no)"
	rmf wl-trap
	# PID 1 ignores TERM (no handler): killed after -t 2.
	r docker run -d --name wl-ign "$D/debian" sleep 300
	t0=$(date +%s)
	r docker stop -t 2 wl-ign
	t1=$(date +%s)
	res stop-timeout "rc=$RC exit=$(state wl-ign ExitCode) waited=$([ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -lt 8 ] && echo 2s || echo "$((t1 - t0))s")"
	rmf wl-ign
	# Under --init the TERM reaches sleep, which dies of it: 143.
	r docker run -d --init --name wl-init "$D/debian" sleep 300
	r docker stop wl-init
	res stop-init "rc=$RC exit=$(state wl-init ExitCode)"
	rmf wl-init
}

step_tty() {
	r docker run --rm -t "$D/debian" sh -c 'test -t 1 && echo tty; exit 4'
	res run-tty "rc=$RC out=$(oneline "$OUT")"
}

step_kill_restart_exec() {
	r docker kill wl-wait
	res kill-stopped "rc=$RC"
	r docker kill no-such-container-wl
	res kill-missing "rc=$RC"
	r docker run -d --name wl-r "$D/debian" sh -c 'echo start; exec sleep 300'
	wait_log wl-r start || true
	r docker kill -s USR1 wl-r
	res kill-signal-ignored "rc=$RC running=$(state wl-r Running)"
	r docker restart -t 1 wl-r
	local rrc=$RC
	for _ in $(seq 1 50); do [ "$(docker logs wl-r 2>&1 | grep -c start)" -ge 2 ] && break; sleep 0.1; done
	res restart "rc=$rrc starts=$(docker logs wl-r 2>&1 | grep -c start) running=$(state wl-r Running)"
	r docker exec wl-r sh -c 'exit 6'
	res exec-exit6 "rc=$RC"
	r docker exec wl-r no-such-command
	res exec-notfound "rc=$RC"
	detail exec-notfound "$OUT"
	r docker exec -u app wl-r id -u
	res exec-user "rc=$RC out=$(oneline "$OUT")"
	r docker exec -w /tmp -e WL_X=1 wl-r sh -c 'echo "$PWD $WL_X"'
	res exec-workdir-env "rc=$RC out=$(oneline "$OUT")"
	r sh -c 'echo hi | docker exec -i wl-r cat'
	res exec-stdin "rc=$RC out=$(oneline "$OUT")"
	r docker exec -t wl-r sh -c 'test -t 0 && echo tty'
	res exec-tty "rc=$RC out=$(oneline "$OUT")"
	r docker exec wl-exit3-none true
	res exec-missing "rc=$RC"
}

# owners DIR_IN_CONTAINER: "path:uid:gid:mode" of each entry, sorted.
owners() {
	docker exec wl-r sh -c "cd $1 && find . -exec stat -c '%n:%u:%g:%a' {} + | sort" 2>&1 | paste -sd' ' -
}

step_cp() {
	rm -rf cpin.txt cpdir cpout cpout-a from-stopped.txt
	echo hello >cpin.txt
	chmod 0640 cpin.txt
	mkdir -p cpdir/sub
	echo x >cpdir/sub/f
	r docker cp cpin.txt wl-r:/tmp/
	res cp-in-file "rc=$RC owner=$(docker exec wl-r stat -c '%u:%g:%a' /tmp/cpin.txt 2>&1)"
	detail cp-in-file "$OUT"
	r docker cp -a cpin.txt wl-r:/tmp/cpin-a.txt
	res cp-in-archive "rc=$RC owner=$(docker exec wl-r stat -c '%u:%g:%a' /tmp/cpin-a.txt 2>&1)"
	detail cp-in-archive "$OUT"
	r docker cp cpdir wl-r:/tmp/
	res cp-in-dir "rc=$RC tree=$(owners /tmp/cpdir)"
	detail cp-in-dir "$OUT"
	docker exec wl-r sh -c 'mkdir -p /tmp/o/d && echo o >/tmp/o/d/f && chown -R 1234:1234 /tmp/o/d' >/dev/null 2>&1 || true
	r docker cp wl-r:/tmp/o cpout
	res cp-out-dir "rc=$RC tree=$(cd cpout 2>/dev/null && find . -exec stat -c '%n:%u:%g' {} + | sort | paste -sd' ' - | sed "s/:$(id -u):$(id -g)/:JOB/g")"
	detail cp-out-dir "$OUT"
	r docker cp -a wl-r:/tmp/o cpout-a
	res cp-out-archive "rc=$RC"
	detail cp-out-archive "$OUT"
	r docker cp cpin.txt wl-wait:/tmp/
	res cp-in-stopped "rc=$RC"
	detail cp-in-stopped "$OUT"
	r docker cp wl-wait:/tmp/cpin.txt from-stopped.txt
	res cp-out-stopped "rc=$RC content=$(cat from-stopped.txt 2>/dev/null || echo none)"
	detail cp-out-stopped "$OUT"
	r sh -c 'docker cp wl-r:/tmp/cpin.txt - | tar -tf -'
	res cp-out-stdout "rc=$RC out=$(oneline "$OUT")"
	r docker cp wl-r:/no/such/file x
	res cp-out-missing "rc=$RC"
	rm -rf cpin.txt cpdir cpout cpout-a from-stopped.txt
}

step_logs() {
	r docker run -d --name wl-logs "$D/debian" sh -c 'for i in 1 2 3; do echo line$i; sleep 0.5; done; echo err >&2'
	r docker logs -f wl-logs
	res logs-follow "rc=$RC out=$(oneline "$OUT")"
	r docker logs --tail 1 wl-logs
	res logs-tail "rc=$RC out=$(oneline "$OUT")"
	rmf wl-logs
}

step_build() {
	local ctx=$files/build
	# What the CLI does with no DOCKER_BUILDKIT (CLI 28 without buildx).
	r docker build -q -t wl/plain -f "$ctx/Dockerfile.plain" "$ctx"
	res build-default "rc=$RC"
	detail build-default "$OUT"
	r env DOCKER_BUILDKIT=1 docker build -t wl/bk -f "$ctx/Dockerfile.plain" "$ctx"
	res build-buildkit "rc=$RC"
	detail build-buildkit "$OUT"
	# Classic builder: apt-get install from the Debian mirror (through the
	# host's network: the reference has no bridge), useradd, chown, USER.
	r env DOCKER_BUILDKIT=0 docker build --network host -t wl/apt -f "$ctx/Dockerfile.apt" "$ctx"
	res build-apt "rc=$RC"
	[ "$RC" = 0 ] || detail build-apt "$(printf '%s\n' "$OUT" | tail -n 6)"
	r docker run --rm wl/apt sh -c 'hello; id -un; stat -c %U:%a /data /data/x; cat /data/uid'
	res build-apt-run "rc=$RC out=$(oneline "$OUT")"
	r env DOCKER_BUILDKIT=0 docker build -t wl/cache -f "$ctx/Dockerfile.cache" "$ctx"
	res build-cache-mount "rc=$RC"
	detail build-cache-mount "$(printf '%s\n' "$OUT" | tail -n 3)"
	docker rmi wl/plain wl/apt >/dev/null 2>&1 || true
}

step_network() {
	r docker network create wl-net
	res network-create "rc=$RC"
	detail network-create "$OUT"
	r docker run -d --network wl-net --name wl-web --network-alias wl-alias "$D/http"
	res network-run "rc=$RC"
	detail network-run "$OUT"
	local name="" alias="" n=6
	[ "$RC" = 0 ] || n=1
	for _ in $(seq 1 "$n"); do
		name=$(timeout 10 docker run --rm --network wl-net "$D/debian" busybox wget -qO- http://wl-web:8080/ 2>&1 | tail -n1) || true
		[ "$name" = "hello from $D/http" ] && break
		sleep 0.5
	done
	r docker run --rm --network wl-net "$D/debian" busybox wget -qO- http://wl-alias:8080/
	alias=$(oneline "$OUT")
	res network-by-name "name=${name// /_} alias=${alias// /_}"
	r docker network inspect -f '{{.Name}}' wl-net
	res network-inspect "rc=$RC out=$(oneline "$OUT")"
	rmf wl-web
	r docker network rm wl-net
	res network-rm "rc=$RC"
}

# compose_stack NAME CMD...: the stack up (the app prints 42), then down.
compose_stack() {
	local name=$1
	shift
	r "$@" up --no-color --exit-code-from app
	local rc=$RC out=$OUT
	# Compose v2 writes erase-line escapes even with --ansi never.
	res "$name-up" "rc=$rc app=$(printf '%s\n' "$out" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' |
		sed -n 's/^app[-_]1 *| *\(42\)$/\1/p' | head -n1)"
	[ "$rc" = 0 ] || detail "$name-up" "$(printf '%s\n' "$out" | grep -v '^db' | tail -n 6)"
	r "$@" down -v
	res "$name-down" "rc=$RC left=$(docker ps -aq --filter label=com.docker.compose.project=wl | wc -l)"
	detail "$name-down" "$OUT"
}

step_compose() {
	local f=$files/compose/docker-compose.yml
	if command -v docker-compose >/dev/null; then
		compose_stack compose docker-compose --ansi never -p wl -f "$f"
	else
		res compose-up "no-docker-compose"
	fi
	# Compose v2 as a CLI plugin, when the suite found one (tools/).
	if [ -x "$dir/tools/docker-compose" ]; then
		mkdir -p "$DOCKER_CONFIG/cli-plugins"
		cp "$dir/tools/docker-compose" "$DOCKER_CONFIG/cli-plugins/"
		compose_stack compose-v2 docker compose --ansi never -p wl -f "$f"
	else
		res compose-v2-up "no-compose-v2"
	fi
}

step_testcontainers() {
	if [ ! -d "$dir/node/node_modules/testcontainers" ] || ! command -v node >/dev/null; then
		res testcontainers-postgres "no-testcontainers"
		return
	fi
	r env TESTCONTAINERS_RYUK_DISABLED=true WL_NODE_DIR="$dir/node" \
		node "$files/tc-postgres.cjs"
	res testcontainers-postgres "rc=$RC answer=$(printf '%s\n' "$OUT" | sed -n 's/^ANSWER: //p')"
	[ "$RC" = 0 ] || detail testcontainers-postgres "$(printf '%s\n' "$OUT" | tail -n 6)"
}

step_project_files() {
	rm -rf wl-out 2>/dev/null || true
	r docker run --rm -v "$PWD:/w" "$D/nonroot" sh -c \
		'id -u; mkdir -p /w/wl-out/sub && echo x >/w/wl-out/sub/f && chmod 0700 /w/wl-out/sub && echo y >/w/wl-out/top'
	local wrc=$RC
	local rrc=0
	rm -rf wl-out 2>/dev/null || rrc=$?
	res project-files "write=$wrc uid=$(oneline "$OUT") rm=$rrc"
}

# timed GROUP FUNCTION: runs FUNCTION when GROUP is wanted, and says how long.
timed() {
	want "$1" || return 0
	local t0=$SECONDS
	"$2"
	echo "MARK step-seconds $1 $((SECONDS - t0))"
}
timed import step_import
timed run step_run_exit
timed signal step_run_signal
timed wait step_wait
timed stop step_stop
timed tty step_tty
timed exec step_kill_restart_exec
timed cp step_cp
timed logs step_logs
timed build step_build
timed network step_network
timed compose step_compose
timed testcontainers step_testcontainers
timed project step_project_files
rmf wl-r wl-wait wl-waitrm wl-rm3 wl-kill wl-nf
res containers-left "$(docker ps -aq | wc -l)"
echo "MARK containers-left: $(docker ps -aq | wc -l)"
echo "MARK seconds: $(($(date +%s) - started))"
rm -rf "$HOME"
