#!/usr/bin/env bash
# kill -9 of podman, twice, while a job loops over `docker run`: the sidecar
# restarts podman with backoff while its socket stays open, so clients never
# see "connection refused", and the loop finishes.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images

cat >"$WORK/loop.sh" <<'JOB'
#!/bin/sh
docker import busybox.tar podsock.test/busybox:latest >/dev/null || exit 3
n=0 failed=0 refused=0 start=$(date +%s)
# At least 25 runs, and for 10 s at least: both kills (3 s and 7 s after the
# job starts) land while it loops, however fast a run is.
while [ "$n" -lt 25 ] || [ $(($(date +%s) - start)) -lt 10 ]; do
	n=$((n + 1))
	if ! out=$(docker run --rm --network host podsock.test/busybox true 2>&1); then
		failed=$((failed + 1))
		echo "run $n failed: $out"
		case "$out" in *"connection refused"* | *"Cannot connect"*) refused=$((refused + 1)) ;; esac
	fi
done
echo "runs=$n failed=$failed refused=$refused"
# After the kills the engine answers again.
docker run --rm --network host podsock.test/busybox echo engine-back
JOB
hook='sleep 3; pkill -KILL -f "^podman system service"; sleep 4; pkill -KILL -f "^podman system service"'
out=$("$PODSIM" --log "$WORK/sidecar.log" --pod-hook "$hook" \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/loop.sh:loop.sh" -- sh loop.sh 2>&1) ||
	fail "job failed: $out
$(tail -n 20 "$WORK/sidecar.log")"
echo "$out"
log=$(cat "$WORK/sidecar.log")
restarts=$(grep -c '"msg":"restarted podman' "$WORK/sidecar.log" || true)
[ "$restarts" -ge 2 ] || fail "expected 2 restarts of podman, saw $restarts: $(grep -i podman "$WORK/sidecar.log" | tail -n 20)"
ok "podman was killed twice and restarted twice"
assert_contains "$log" "restarting in" "restarts wait a backoff"
runs=$(printf '%s\n' "$out" | sed -n 's/^runs=\([0-9]*\).*/\1/p')
[ "${runs:-0}" -ge 25 ] || fail "the loop did not finish: runs=${runs:-none}"
ok "the loop finished ($runs runs)"
assert_contains "$out" "refused=0" "no client saw connection refused"
assert_contains "$out" "engine-back" "the engine answers after the kills"
failed=$(printf '%s\n' "$out" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
echo "note: $failed of $runs runs were in flight when podman died and failed (not refused)"
[ "$failed" -le 2 ] || fail "more runs failed ($failed) than the two kills can explain"
