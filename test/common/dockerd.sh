# shellcheck shell=bash
# A rootful dockerd from Debian's docker.io as a reference engine for tests:
# started as root in its own mount namespace the way the docker:dind image
# starts it, with every file it writes under one directory the caller names,
# and stopped by pid with its containerd, leaving nothing behind.
#
#   . test/common/dockerd.sh
#   dockerd_start DIR      start it; sets and prints DOCKERD_SOCK (a path) and
#                          sets DOCKERD_HOST (unix://DIR/docker.sock)
#   dockerd_stop DIR       stop it (TERM, then KILL after DOCKERD_STOP_TIMEOUT
#                          seconds, default 20), unmount and remove DIR's state
#   dockerd_available      0 when this machine can run it, else 1 with the
#                          reason on stderr (callers skip with exit 77)
#
# What it runs, in `unshare --mount --propagation private` under docker-init
# (tini, as subreaper); no systemd unit of the docker.io package is used:
#   dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false
#           --storage-driver overlay2 --data-root DIR/data --exec-root DIR/exec
#           --pidfile DIR/dockerd.pid -H unix://DIR/docker.sock
#           --config-file DIR/daemon.json --cgroup-parent podsock-dockerd-<n>
# dockerd starts its own containerd (state in DIR/exec/containerd, pid in
# DIR/exec/containerd/containerd.pid) as docker:dind does.  In the namespace a
# tmpfs covers /run (so a system containerd, if any, is not used, and
# containerd's /run/containerd/s shim sockets and dockerd's /run/docker
# vanish with it) and DIR/etc covers /etc/docker (dockerd 20.10 writes its
# trust key there).
# Its log is DIR/dockerd.log.  DIR must be short: a unix socket path is at
# most 107 bytes.
#
# Environment: DOCKERD_START_TIMEOUT (seconds, default 60),
# DOCKERD_STOP_TIMEOUT (default 20), DOCKERD_ARGS (extra dockerd arguments).

dockerd_available() {
	if [ "$(id -u)" != 0 ]; then
		echo "dockerd.sh: the reference dockerd needs root" >&2
		return 1
	fi
	local b
	for b in dockerd containerd runc unshare curl; do
		command -v "$b" >/dev/null || {
			echo "dockerd.sh: $b is missing: install Debian's docker.io (scripts/bootstrap)" >&2
			return 1
		}
	done
	return 0
}

# dockerd__cg DIR: the cgroup parent name for DIR (one per directory).
dockerd__cg() {
	printf 'podsock-dockerd-%s' "$(printf '%s' "$1" | cksum | cut -d' ' -f1)"
}

dockerd_start() {
	local dir=${1:?usage: dockerd_start DIR}
	dockerd_available || return 1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	local sock=$dir/docker.sock
	if [ "${#sock}" -gt 107 ]; then
		echo "dockerd_start: socket path $sock is longer than 107 bytes: use a shorter DIR" >&2
		return 1
	fi
	if [ -s "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
		echo "dockerd_start: a dockerd already runs for $dir (pid $(cat "$dir/dockerd.pid")): dockerd_stop $dir first" >&2
		return 1
	fi
	mkdir -p "$dir/data" "$dir/exec" "$dir/etc"
	[ -s "$dir/daemon.json" ] || echo '{}' >"$dir/daemon.json"
	rm -f "$sock" "$dir/dockerd.pid"
	local cg
	cg=$(dockerd__cg "$dir")
	# docker-init (tini) is the subreaper of the namespace's processes, as
	# in docker:dind (`docker run --init`): containerd-shims re-parent to it
	# and are reaped.  The shell makes its mounts and execs dockerd, which
	# writes its pid to --pidfile; $! is docker-init's.
	# shellcheck disable=SC2086,SC2016
	setsid unshare --mount --propagation private -- docker-init -s -- sh -c '
		set -e
		mount -t tmpfs -o mode=0755 tmpfs /run
		[ ! -d /etc/docker ] || mount --bind "$1/etc" /etc/docker
		d=$1 cg=$2
		shift 2
		exec dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
			--storage-driver overlay2 --data-root "$d/data" --exec-root "$d/exec" \
			--pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" \
			--config-file "$d/daemon.json" --cgroup-parent "$cg" "$@"' \
		dockerd-ns "$dir" "$cg" ${DOCKERD_ARGS:-} \
		</dev/null >>"$dir/dockerd.log" 2>&1 &
	echo $! >"$dir/dockerd.launch.pid"
	local deadline=$((SECONDS + ${DOCKERD_START_TIMEOUT:-60}))
	until [ "$(curl -s --max-time 2 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]; do
		if ! kill -0 "$(cat "$dir/dockerd.launch.pid")" 2>/dev/null; then
			echo "dockerd_start: dockerd exited during start; the end of $dir/dockerd.log:" >&2
			tail -n 20 "$dir/dockerd.log" >&2
			dockerd_stop "$dir" >/dev/null 2>&1 || true
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "dockerd_start: no answer to /_ping on $sock within ${DOCKERD_START_TIMEOUT:-60} s; the end of $dir/dockerd.log:" >&2
			tail -n 20 "$dir/dockerd.log" >&2
			dockerd_stop "$dir" >/dev/null 2>&1 || true
			return 1
		fi
		sleep 0.2
	done
	DOCKERD_SOCK=$sock
	DOCKERD_HOST=unix://$sock
	export DOCKERD_SOCK DOCKERD_HOST
	echo "$DOCKERD_SOCK"
}

# dockerd__wait_gone PID SECONDS: 0 once PID is gone, 1 if still there.
dockerd__wait_gone() {
	local i=0 n=$(($2 * 10))
	while kill -0 "$1" 2>/dev/null; do
		[ "$i" -lt "$n" ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

dockerd_stop() {
	local dir=${1:?usage: dockerd_stop DIR}
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	local t=${DOCKERD_STOP_TIMEOUT:-20} pid="" lpid="" cpid="" p
	[ ! -s "$dir/dockerd.pid" ] || pid=$(cat "$dir/dockerd.pid")
	[ ! -s "$dir/dockerd.launch.pid" ] || lpid=$(cat "$dir/dockerd.launch.pid")
	[ -n "$pid" ] || pid=$lpid
	[ ! -s "$dir/exec/containerd/containerd.pid" ] || cpid=$(cat "$dir/exec/containerd/containerd.pid")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! dockerd__wait_gone "$pid" "$t"; then
			echo "dockerd_stop: dockerd $pid did not stop within $t s: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
			dockerd__wait_gone "$pid" 5 || true
		fi
	fi
	if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
		kill -TERM "$cpid" 2>/dev/null || true
		dockerd__wait_gone "$cpid" 10 || { kill -KILL "$cpid" 2>/dev/null || true; }
	fi
	# containerd-shims outlive containerd by design; end those of this dir
	# (their command line names its containerd socket) and their containers.
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q -- "-address $dir/exec/containerd/containerd.sock"; then
			echo "dockerd_stop: ending containerd-shim $p left by dockerd" >&2
			pkill -KILL -P "$p" 2>/dev/null || true
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	# docker-init exits with dockerd.
	if [ -n "$lpid" ] && ! dockerd__wait_gone "$lpid" 5; then
		kill -KILL "$lpid" 2>/dev/null || true
	fi
	# The mount namespace dies with its last process, taking dockerd's
	# mounts with it; remove the per-DIR cgroups it created.
	local cg c
	cg=$(dockerd__cg "$dir")
	for c in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
		[ -d "$c" ] || continue
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	rm -rf --one-file-system "${dir:?}/data" "${dir:?}/exec" "${dir:?}/etc" "$dir/docker.sock" \
		"$dir/dockerd.pid" "$dir/dockerd.launch.pid" "$dir/daemon.json"
	unset DOCKERD_SOCK DOCKERD_HOST
}
