#!/usr/bin/env bash
# The suite's tools: test/common/dockerd.sh (the reference dockerd starts,
# serves, refuses bad input, and stops leaving no process, mount, cgroup or
# file outside its directory) and scripts/make-test-images (bad arguments,
# the cached Debian images and their `docker import` changes).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../common/lib.sh
. "$here/../common/lib.sh"
# shellcheck source=../common/dockerd.sh
. "$TOP/test/common/dockerd.sh"
need_root
dockerd_available >/dev/null 2>&1 || skip "$(dockerd_available 2>&1)"
mti=$TOP/scripts/make-test-images

# ---- make-test-images: bad arguments are refused with the reason ----
run_expect 2 "$mti" --with nosuch "$WORK/img"
assert_contains "$OUT" "--with nosuch: unknown image" "make-test-images names an unknown image"
run_expect 2 "$mti" --with
assert_contains "$OUT" "--with needs an image name" "make-test-images: --with without a name"
run_expect 2 "$mti" "$WORK/a" "$WORK/b"
assert_contains "$OUT" "one OUT_DIR only" "make-test-images: two output directories"
run_expect 2 "$mti" --bogus
assert_contains "$OUT" "unknown option --bogus" "make-test-images: unknown option"

# ---- the Debian images (built once per machine, then from the cache) ----
t0=$SECONDS
run_expect 0 "$mti" --with nonroot --with http "$WORK/img"
echo "make-test-images --with nonroot --with http: $((SECONDS - t0)) s (cold or warm cache)"
[ -s "$WORK/img/busybox.tar" ] || fail "busybox.tar is still made"
grep -qx 'USER app' "$WORK/img/nonroot.changes" || fail "nonroot.changes has no 'USER app': $(cat "$WORK/img/nonroot.changes")"
grep -qx 'EXPOSE 8080' "$WORK/img/http.changes" || fail "http.changes has no 'EXPOSE 8080'"
tar -tf "$WORK/img/nonroot.tar" ./etc/passwd ./usr/sbin/useradd ./usr/bin/apt-get >/dev/null ||
	fail "nonroot.tar lacks /etc/passwd, useradd or apt-get"
tar -xOf "$WORK/img/nonroot.tar" ./etc/passwd | grep -q '^app:x:1234:1234:' || fail "no user app (1234) in the image"
ok "the Debian images: busybox.tar kept, nonroot (USER app, uid 1234) and http (EXPOSE 8080)"
t0=$SECONDS
run_expect 0 "$mti" --with nonroot --with http "$WORK/img"
[ -z "$OUT" ] || fail "a warm second run should do nothing, it said: $OUT"
ok "a second run reuses the cache and the output ($((SECONDS - t0)) s)"

# ---- dockerd.sh: bad input ----
long=$WORK/$(printf 'x%.0s' $(seq 1 100))
run_expect 1 dockerd_start "$long"
assert_contains "$OUT" "longer than 107 bytes" "dockerd_start refuses a socket path over 107 bytes"
run_expect 0 dockerd_stop "$WORK/never-started"
ok "dockerd_stop of a directory nothing runs in succeeds"

# ---- dockerd.sh: start, serve, stop, nothing left ----
had_run_docker=$([ -e /run/docker ] && echo yes || echo no)
had_run_containerd=$([ -e /run/containerd ] && echo yes || echo no)
d=$WORK/d
dockerd_start "$d" >/dev/null || fail "dockerd_start failed"
[ "$DOCKERD_SOCK" = "$d/docker.sock" ] || fail "DOCKERD_SOCK is '$DOCKERD_SOCK', expected $d/docker.sock"
ok "dockerd answers /_ping on $DOCKERD_SOCK"
run_expect 1 dockerd_start "$d"
assert_contains "$OUT" "already runs" "a second dockerd_start of the same directory is refused"
export DOCKER_HOST=$DOCKERD_HOST
run_expect 0 docker import "$IMAGES/busybox.tar" podsock.test/busybox
run_expect 0 docker run --rm --network host podsock.test/busybox true
run_expect 3 docker run --rm podsock.test/busybox sh -c 'exit 3'
ok "docker run --rm through the reference: 0 and 3"
run_expect 0 docker run -d --stop-timeout 1 --name left podsock.test/busybox sleep 300
dpid=$(cat "$d/dockerd.pid")
cpid=$(cat "$d/exec/containerd/containerd.pid")
cg=$(dockerd__cg "$d")
DOCKERD_STOP_TIMEOUT=15 dockerd_stop "$d"
unset DOCKER_HOST
for p in $dpid $cpid; do
	! kill -0 "$p" 2>/dev/null || fail "process $p (dockerd or containerd) is still there"
done
for p in /proc/[0-9]*; do
	if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "$d/"; then
		fail "process ${p#/proc/} still names $d: $(tr '\0' ' ' <"$p/cmdline")"
	fi
done
ok "dockerd, containerd and the shim of a running container are gone"
! grep -q " $d/" /proc/self/mountinfo || fail "a mount under $d is visible"
for c in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
	[ ! -e "$c" ] || fail "cgroup $c is left"
done
[ "$had_run_docker" = yes ] || [ ! -e /run/docker ] || fail "/run/docker was created"
[ "$had_run_containerd" = yes ] || [ ! -e /run/containerd ] || fail "/run/containerd was created"
left=$(find "$d" -mindepth 1 -maxdepth 1 -printf '%f ')
[ "$left" = "dockerd.log " ] || fail "left in $d: $left"
ok "no mount, cgroup or /run directory left; $d holds only dockerd.log"
