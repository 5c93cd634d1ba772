#!/usr/bin/env bash
# End to end: the podsock image, run with podman as the chart's `standard`
# mode runs it (test/deploy/render-job-pod standard), and a job in a second
# "build" container that runs `docker run` through the socket: a rootless
# engine inside a rootless container.
#
#   1. scripts/build-image builds (or reuses) localhost/podsock:VERSION into a
#      podman store under build/image/store; the image's static properties
#      are checked (user, entrypoint, labels, newuidmap's file capabilities,
#      no apt caches).
#   2. The pod: root podman (a kubelet's runtime is root) in a private mount
#      namespace with a cgroup2-only /sys/fs/cgroup.  Volumes are host
#      directories made as the kubelet makes emptyDirs with fsGroup 1500.
#      init: user 1500, --cap-drop ALL, no-new-privileges, read-only root.
#      sidecar: user 1500, --cap-drop ALL --cap-add SETUID,SETGID, seccomp and
#      AppArmor unconfined, no --privileged, read-only root with volumes at
#      /run/podsock, /tmp, /var/tmp and /home/podsock; startupProbe loop with
#      `podsock-probe ready` by podman exec.
#      build: the Debian base with the host's docker CLI mounted in, user 1600
#      with the fsGroup, the pod's network namespace, /sockets and /builds.
#   3. The job: docker version, docker import, docker run (host network), a
#      bind mount of the job's directory, a container user that needs the
#      subordinate IDs.  Then SIGTERM to the sidecar: it must exit 0.
#
# Flags of the chart that the binaries do not have yet are left out and
# named in the output ("pending").  Exit 77 only when this machine cannot run
# a part, with the reason.
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
command -v podman >/dev/null || fail "podman is missing: run scripts/bootstrap"
command -v docker >/dev/null || fail "the docker CLI is missing: run scripts/bootstrap (package docker.io)"
need_images
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

STORE=$IMAGE_STORE
VERSION=$IMAGE_VERSION
IMAGE=localhost/podsock:$VERSION
BASE=docker.io/library/debian:trixie-slim # the local base scripts/build-image made (the job image)
POD=podsock-e2e-$$
JOB_UID=$BUILD_UID
FSGROUP=1500 # the chart's fsGroup (= runAsUser), not podsim's

step() {
	echo "--- $*"
}

# --------------------------------------------------------------- outside ---
# MODE: standard (default), or tun: the same pod with /dev/net/tun granted,
# and a job that also runs `docker run` without --network.
MODE=standard
if [ "${1:-}" = __inner ]; then
	MODE=$2
elif [ $# -gt 0 ]; then
	case "$1" in
	standard | tun) MODE=$1 ;;
	*) fail "unknown mode '$1': standard or tun" ;;
	esac
fi

if [ "${1:-}" != __inner ]; then
	image_ensure
	# crun refuses the host's hybrid cgroup layout: give podman a private
	# mount namespace with a cgroup2-only /sys/fs/cgroup, as podsim does.
	# (exec skips lib.sh's EXIT trap: the inner run makes its own WORK.)
	rm -rf "$WORK"
	exec unshare --mount --propagation private -- bash "$0" __inner "$MODE"
fi

# ---------------------------------------------------------------- inside ---
outer_podman_setup # test/image/lib.sh: cgroup2, private run root and /dev/shm, containers.conf

cleanup() {
	"${pm[@]}" rm -f -t 0 "$POD-build" "$POD-sidecar" >/dev/null 2>&1 || true
	umount -l "$WORK"/pod/{sockets,ids,run} 2>/dev/null || true
	umount -l "$STORE/run" 2>/dev/null || true
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
# Containers of an earlier run that was killed before its cleanup.
"${pm[@]}" ps -a -q --filter name=podsock-e2e- 2>/dev/null | xargs -r "${pm[@]}" rm -f -t 0 >/dev/null 2>&1 || true

inspect() { # FORMAT
	"${pm[@]}" image inspect --format "$1" "$IMAGE"
}

in_image() { # CMD... as root, for checks only
	"${pm[@]}" run --rm --network none --user 0 --entrypoint "$1" "$IMAGE" "${@:2}"
}

# ---------------------------------------------------------------- image ---
step "the image's properties"
"${pm[@]}" image exists "$IMAGE" ||
	fail "$IMAGE is not in $STORE: run without PODSOCK_E2E_NO_BUILD, or scripts/build-image --root $STORE"
[ "$(inspect '{{.Config.User}}')" = "1500:1500" ] || fail "image user is '$(inspect '{{.Config.User}}')', expected 1500:1500"
ok "default user 1500:1500 (non-root)"
assert_contains "$(inspect '{{json .Config.Entrypoint}}')" '["podsock-sidecar"]' "entrypoint podsock-sidecar"
for l in title description version revision base.name; do
	v=$(inspect "{{index .Labels \"org.opencontainers.image.$l\"}}")
	[ -n "$v" ] || fail "OCI label org.opencontainers.image.$l is missing"
done
[ "$(inspect '{{index .Labels "org.opencontainers.image.version"}}')" = "$VERSION" ] || fail "label version is not $VERSION"
ok "OCI labels title, description, version ($VERSION), revision, base.name"
size=$(inspect '{{.Size}}')
ok "image size: $size bytes ($((size / 1000000)) MB)"

mnt=$("${pm[@]}" image mount "$IMAGE") || fail "podman image mount $IMAGE failed"
for b in newuidmap newgidmap; do
	mode=$(stat -c %a "$mnt/usr/bin/$b")
	[ "$mode" = 755 ] || fail "/usr/bin/$b has mode $mode: expected 755 (no setuid bit)"
done
assert_contains "$(getcap "$mnt/usr/bin/newuidmap")" "cap_setuid=ep" "newuidmap has file capability cap_setuid+ep, no setuid"
assert_contains "$(getcap "$mnt/usr/bin/newgidmap")" "cap_setgid=ep" "newgidmap has file capability cap_setgid+ep, no setuid"
left=$(find "$mnt/var/lib/apt/lists" "$mnt/var/cache/apt" -type f 2>/dev/null | head -n 3)
[ -z "$left" ] || fail "package manager caches left in the image: $left"
ok "no apt lists or caches in the image"
for b in podsock-init podsock-sidecar podsock-probe podman crun conmon fuse-overlayfs; do
	[ -x "$mnt/usr/local/bin/$b" ] || [ -x "$mnt/usr/bin/$b" ] || fail "$b is missing from the image"
done
ok "podsock-init, podsock-sidecar, podsock-probe, podman, crun, conmon, fuse-overlayfs present"
"${pm[@]}" image unmount "$IMAGE" >/dev/null
run_expect 0 in_image podsock-sidecar --version
assert_contains "$OUT" "$VERSION" "podsock-sidecar runs in the image (its libraries are there)"

# ------------------------------------------------------------ the pod ---
# emptyDirs as the kubelet makes them with fsGroup 1500: group-owned, setgid,
# writable; medium Memory ones are tmpfs.
pod=$WORK/pod
mkdir -p "$pod"/{sockets,storage,ids,run,tmp,var-tmp,home,builds}
mount -t tmpfs -o nosuid,nodev,size=1m podsock-e2e-sockets "$pod/sockets"
mount -t tmpfs -o nosuid,nodev,size=1m podsock-e2e-ids "$pod/ids"
mount -t tmpfs -o nosuid,nodev podsock-e2e-run "$pod/run"
for d in sockets storage ids run tmp var-tmp home; do
	chown "0:$FSGROUP" "$pod/$d"
	chmod 2777 "$pod/$d"
done
# The runner's init-permissions leaves /builds world-writable; the project
# directory is the job user's (umask 0000).
chmod 0777 "$pod/builds"
mkdir -p "$pod/builds/demo"
cp "$IMAGES/busybox.tar" "$pod/builds/demo/busybox.tar"
echo "made-by-the-job-$$" >"$pod/builds/demo/marker"
chown -R "$JOB_UID:$JOB_UID" "$pod/builds/demo"
chmod 0777 "$pod/builds/demo"

# The chart's command lines, less the flags these binaries do not have yet.
help_of() { "${pm[@]}" run --rm --network none --entrypoint "$1" "$IMAGE" --help 2>&1 || true; }
init_help=$(help_of podsock-init)
sidecar_help=$(help_of podsock-sidecar)
probe_help=$(help_of podsock-probe)
pending=()
init_args=(--socket-dir /sockets)
init_vols=(-v "$pod/sockets:/sockets" -v "$pod/storage:/var/lib/podsock/storage" -v "$pod/tmp:/tmp" -v "$pod/builds:/builds")
for pair in "--storage /var/lib/podsock/storage" "--ids-out /podsock-ids" "--builds /builds"; do
	flag=${pair%% *}
	if [[ "$init_help" == *"$flag "* ]]; then
		init_args+=("$flag" "${pair#* }")
	else
		pending+=("podsock-init $flag")
	fi
done
[[ " ${init_args[*]} " == *" --ids-out "* ]] && init_vols+=(-v "$pod/ids:/podsock-ids")
# PODSOCK_E2E_SIDECAR_STORAGE: another --storage for the sidecar, to try
# a layout the chart does not use yet (default: the chart's).
sidecar_args=(--socket /sockets/podman.sock --storage "${PODSOCK_E2E_SIDECAR_STORAGE:-/var/lib/podsock/storage}")
if [[ "$sidecar_help" == *"--config "* ]]; then
	mkdir -p "$pod/config"
	# The chart's ConfigMap: the default `config` of its values.yaml.
	awk '/^config: \|/ { on = 1; next } on && /^[^ ]/ { exit } on { sub(/^  /, ""); print }' \
		"$TOP/deploy/helm/podsock/values.yaml" >"$pod/config/podsock.yaml" 2>/dev/null || true
	grep -q '^[a-z]' "$pod/config/podsock.yaml" || echo 'log: {level: info}' >"$pod/config/podsock.yaml"
	sidecar_args+=(--config /etc/podsock/podsock.yaml)
else
	pending+=("podsock-sidecar --config")
fi
[[ "$probe_help" == *"live "* ]] || pending+=("podsock-probe live (the chart's livenessProbe)")
if [ ${#pending[@]} -gt 0 ]; then
	echo "pending (flags the chart uses that the binaries do not have yet, left out): ${pending[*]}"
fi

step "init container: podsock-init ${init_args[*]}"
run_expect 0 "${pm[@]}" run --rm --name "$POD-init" --network none \
	--user 1500:1500 --group-add "$FSGROUP" --cap-drop ALL --security-opt no-new-privileges \
	--read-only --read-only-tmpfs=false "${init_vols[@]}" \
	--entrypoint podsock-init "$IMAGE" "${init_args[@]}" --log-format text
echo "$OUT"
ok "podsock-init passed as user 1500 with no capabilities"

# Identities: what the init container wrote, else the image's own.
ids_vols=() ids=()
for f in passwd group subuid subgid; do
	if [ -s "$pod/ids/$f" ]; then
		ids_vols+=(-v "$pod/ids/$f:/etc/$f:ro")
		ids+=("$f")
	fi
done
[ ${#ids[@]} -eq 0 ] || ok "identities written by podsock-init --ids-out and mounted over /etc: ${ids[*]}"

# --tun: the pod gets /dev/net/tun as a device plugin grants it (mode 0666),
# so the engine can give containers the default network (slirp4netns).
sidecar_dev=()
default_network=0
if [ "$MODE" = tun ]; then
	mknod -m 0666 "$WORK/tun" c 10 200
	sidecar_dev=(--device "$WORK/tun:/dev/net/tun")
	default_network=1
fi

sidecar_vols=(-v "$pod/sockets:/sockets" -v "$pod/storage:/var/lib/podsock/storage"
	-v "$pod/run:/run/podsock" -v "$pod/tmp:/tmp" -v "$pod/var-tmp:/var/tmp"
	-v "$pod/home:/home/podsock" -v "$pod/builds:/builds" "${ids_vols[@]}")
[ -d "$pod/config" ] && sidecar_vols+=(-v "$pod/config:/etc/podsock:ro")

step "sidecar container: podsock-sidecar ${sidecar_args[*]}"
# --network none: the pod's own network namespace (lo only); the build
# container joins it, as containers of one pod share one.
"${pm[@]}" run -d --name "$POD-sidecar" --network none \
	--user 1500:1500 --group-add "$FSGROUP" \
	--cap-drop ALL --cap-add SETUID,SETGID \
	--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
	--read-only --read-only-tmpfs=false "${sidecar_vols[@]}" "${sidecar_dev[@]}" \
	-e PODSOCK_SOCKET=/sockets/podman.sock -e HOME=/home/podsock -e XDG_RUNTIME_DIR=/run/podsock \
	--stop-timeout 30 \
	"$IMAGE" "${sidecar_args[@]}" >/dev/null || fail "the sidecar container did not start"

sidecar_log() {
	"${pm[@]}" logs "$POD-sidecar" 2>&1 | tail -n "${1:-30}"
}

# The startupProbe: period 1 s, up to 120 tries, as the chart sets it.
start=$SECONDS ready=0
for _ in $(seq 1 120); do
	running=$("${pm[@]}" inspect --format '{{.State.Running}}' "$POD-sidecar" 2>/dev/null || echo false)
	[ "$running" = true ] || fail "the sidecar exited before it was ready; its log: $(sidecar_log)"
	if "${pm[@]}" exec "$POD-sidecar" podsock-probe ready --timeout 1000 >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 1
done
[ "$ready" = 1 ] || fail "podsock-probe ready did not pass within 120 s; the sidecar's log: $(sidecar_log)"
ok "startupProbe (podsock-probe ready) passed after $((SECONDS - start)) s"

sock_mode=$(stat -c '%a %u:%g' "$pod/sockets/podman.sock")
echo "socket: $sock_mode"

# ----------------------------------------------------------- the job ---
cat >"$pod/builds/demo/job.sh" <<'JOB'
#!/bin/sh
set -eu
echo "job: uid $(id -u), groups $(id -G)"
docker version --format 'server {{.Server.Version}} api {{.Server.APIVersion}}'
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm --network host podsock.test/busybox echo hello-from-nested-container
docker run --rm --network host -v "$CI_PROJECT_DIR:/w" podsock.test/busybox cat /w/marker
docker run --rm --network host --user 1234:1234 podsock.test/busybox sh -c 'echo "nested uid $(id -u)"'
if [ "${DEFAULT_NETWORK:-0}" = 1 ]; then
	# What a plain `docker run` asks for: NetworkMode "default".
	# create + start without attaching: a failed start then shows the engine's
	# reason, where `docker run` prints only "unable to upgrade to tcp,
	# received 409".
	docker create --name default-net podsock.test/busybox sh -c 'echo "default network: $(ip -o -4 addr | grep -v " lo " | wc -l) interface(s) besides lo"' >/dev/null
	docker start default-net >/dev/null
	docker wait default-net >/dev/null
	docker logs default-net
	docker rm default-net >/dev/null
fi
docker run --rm --network host podsock.test/busybox sh -c 'echo "nested root is $(awk "NR == 1 { print \$1 \":\" \$2 \":\" \$3 }" /proc/self/uid_map)"'
JOB
chmod 0755 "$pod/builds/demo/job.sh"

step "build container: the job, as uid $JOB_UID with the fsGroup"
job_rc=0
OUT=$("${pm[@]}" run --rm --name "$POD-build" --network "container:$POD-sidecar" \
	--user "$JOB_UID:$JOB_UID" --group-add "$FSGROUP" --cap-drop NET_RAW \
	-v "$pod/sockets:/sockets" -v "$pod/builds:/builds" \
	-v /usr/bin/docker:/usr/local/bin/docker:ro \
	-e DOCKER_HOST=unix:///sockets/podman.sock -e CI_PROJECT_DIR=/builds/demo -e HOME=/tmp \
	-e DEFAULT_NETWORK="$default_network" \
	-w /builds/demo "$BASE" sh ./job.sh 2>&1) || job_rc=$?
echo "$OUT"
[ "$job_rc" = 0 ] || fail "the job exited $job_rc; the sidecar's log: $(sidecar_log 40)"
assert_contains "$OUT" "server " "docker version reached the engine through the socket"
assert_contains "$OUT" "hello-from-nested-container" "docker run through the socket: a rootless engine in a rootless container"
assert_contains "$OUT" "made-by-the-job-$$" "a bind mount of the job's directory shows the job's file (the engine sees /builds)"
assert_contains "$OUT" "nested uid 1234" "a container user other than root (needs the subordinate IDs)"
assert_contains "$OUT" "nested root is 0:1500:1" "root in a nested container is the sidecar's uid 1500 on the host (rootless)"

# --------------------------------------------------------- shutdown ---
step "pod deletion: SIGTERM to the sidecar"
"${pm[@]}" stop -t 30 "$POD-sidecar" >/dev/null || fail "podman stop failed"
code=$("${pm[@]}" inspect --format '{{.State.ExitCode}}' "$POD-sidecar")
[ "$code" = 0 ] || fail "the sidecar exited $code after SIGTERM, expected 0; its log: $(sidecar_log)"
[ ! -e "$pod/sockets/podman.sock" ] || fail "the socket was left behind after the sidecar stopped"
ok "the sidecar stopped podman, removed the socket and exited 0"
