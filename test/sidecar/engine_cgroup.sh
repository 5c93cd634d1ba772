#!/usr/bin/env bash
# engine.memoryMax and engine.pidsMax in a delegated cgroup (podsim
# --delegate-cgroup: the sidecar's cgroup namespace root, owned by its UID,
# as CRI-O's cgroup2-mount-hierarchy-rw gives it).  The sidecar splits the
# subtree into sidecar/ and engine/ leaves and podman (and a restarted
# podman) runs in engine/.  This host binds the memory and pids controllers
# to cgroup v1, so the delegated cgroup offers neither: each limit must be
# reported as not applied, naming the controller and what is available, and
# the job must go on.  Without a delegated cgroup the limits are reported as
# not applied with that reason.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
[ -d /sys/fs/cgroup/unified ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	skip "no cgroup v2 hierarchy on this host"
cat >"$WORK/job.sh" <<'JOB'
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm --pull never podsock.test/busybox echo container-ran
touch ran
while [ ! -e restarted ]; do sleep 0.2; done
JOB
# At pod level: where podman and the sidecar are, before and after a kill -9.
hook='d=/builds/demo
while [ ! -e $d/ran ]; do sleep 0.2; done
where() { for p in $(pgrep -f "^podman system service"); do echo "podman-cgroup $1: $(grep "^0::" /proc/$p/cgroup)"; done; }
where first
for p in $(pgrep -x podsock-sidecar); do echo "sidecar-cgroup: $(grep "^0::" /proc/$p/cgroup)"; done
pkill -KILL -f "^podman system service"; sleep 3; where restarted; touch $d/restarted'
out=$("$PODSIM" --delegate-cgroup --log "$WORK/sidecar.log" --pod-hook "$hook" \
	--sidecar-arg --set=engine.memoryMax=512Mi --sidecar-arg --set=engine.pidsMax=1000 \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/job.sh:job.sh" -- timeout 60 sh job.sh 2>&1) ||
	fail "job failed: $out
$(tail -n 20 "$WORK/sidecar.log")"
log=$(cat "$WORK/sidecar.log")
echo "$out" | grep cgroup
assert_contains "$out" "container-ran" "a nested container runs"
echo "$out" | grep -Eq '^podman-cgroup first: 0::/podsim-[^ ]*/engine$' || fail "podman is not in the engine leaf"
ok "podman runs in the engine leaf of the delegated cgroup"
echo "$out" | grep -Eq '^podman-cgroup restarted: 0::/podsim-[^ ]*/engine$' || fail "the restarted podman is not in the engine leaf"
ok "so does podman restarted after kill -9"
echo "$out" | grep -Eq '^sidecar-cgroup: 0::/podsim-[^ ]*/sidecar$' || fail "the sidecar is not in its own leaf"
ok "the sidecar moved itself into the sidecar leaf"
assert_contains "$log" '"msg":"engine limit not applied","setting":"engine.memoryMax","value":"536870912","reason":"the controller is not delegated to this cgroup (not in cgroup.controllers)","controller":"memory"' \
	"engine.memoryMax is reported as not applied, naming the memory controller"
assert_contains "$log" '"setting":"engine.pidsMax","value":"1000","reason":"the controller is not delegated' \
	"engine.pidsMax likewise"
[ -z "$(find /sys/fs/cgroup/unified -maxdepth 1 -name 'podsim-*' 2>/dev/null)" ] || echo "note: podsim cgroups left in /sys/fs/cgroup/unified"

# Not delegated (the default pod): one warning with the reason.
out=$("$PODSIM" --log "$WORK/plain.log" --sidecar-arg --set=engine.memoryMax=512Mi -- true 2>&1) ||
	fail "plain pod failed: $out"
assert_contains "$(cat "$WORK/plain.log")" '"msg":"engine limits not applied","settings":"engine.memoryMax, engine.pidsMax","reason":"the pod'"'"'s cgroup is not delegated' \
	"without a delegated cgroup the limits are reported as not applied"
