#!/usr/bin/env bash
# Sequential `docker run --rm` through the socket (issue 5): no zombie in
# the pod, no container left, flat fd counts of sidecar and podman, and the
# RSS of both reported.  The reliability suite's many-runs case, with its
# verdict (test/reliability/cases.sh), at PODSOCK_MANY_RUNS runs (500 by
# default; CTest asks for 100 to keep CI short, test/reliability/run for 1000).
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman
need_images
runs=${PODSOCK_MANY_RUNS:-500}
rc=0
BENCH_OUT=$WORK/out PODSOCK_BIN=$BIN "$TOP/test/reliability/run" --only many-runs --runs "$runs" \
	--no-doc >"$WORK/run.log" 2>&1 || rc=$?
measured=$(jq -r '.cases[] | select(.case == "many-runs") | .measured' "$WORK/out/reliability.json" 2>/dev/null) ||
	fail "no result from the reliability suite (exit $rc): $(tail -n 20 "$WORK/run.log")"
echo "measured: $measured"
[ "$rc" = 0 ] || fail "many-runs failed: $measured"
assert_contains "$measured" "$runs runs, 0 failed, 0 containers left; zombies 0 -> 0" \
	"$runs runs, none failed, no container and no zombie left"
ok "fds flat and RSS reported: $measured"
