#!/usr/bin/env bash
# Benchmark: the gateway vs podman's socket directly, in one podsim run
# (same engine, same machine, same moment).  Reports /_ping latency p50/p99
# (new connection per request and keep-alive), `docker run --rm` wall
# time, and `docker load` throughput of a ~200 MB image, each as a ratio
# against the direct socket.  Goals (issue 7): < 0.3 ms added at p50,
# `docker run` within 5 %, load >= 90 % of direct throughput.
#
#   test/bench/gateway/bench.sh [--pings N] [--runs N]   (as root; build first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${PODSOCK_BIN:-$top/build/bin}
pings=3000 runs=10
while [ $# -gt 0 ]; do
	case "$1" in
	--pings) pings=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: $0 [--pings N] [--runs N]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (podsim builds a pod)" >&2; exit 2; }
[ -x "$bin/gatewayd" ] || { echo "bench: $bin/gatewayd missing: build first" >&2; exit 2; }
"$top/scripts/make-test-images" "$top/build/images" >/dev/null
work=$(mktemp -d /var/tmp/gwbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/pingbench" "$here/pingbench.c"
out=$("$top/test/podsim/podsim" --copy-in "$top/build/images/busybox.tar:busybox.tar" \
	--copy-in "$bin/gatewayd:gatewayd" --copy-in "$work/pingbench:pingbench" \
	--copy-in "$here/job.sh:job.sh" --job-env "BENCH_PINGS=$pings" --job-env "BENCH_RUNS=$runs" \
	-- sh job.sh 2>&1) || { echo "$out"; exit 1; }
printf '%s\n' "$out" | grep '^RESULT' | tee "$work/results"
python3 - "$work/results" <<'PY'
import re, sys, statistics as st
lines = open(sys.argv[1]).read().splitlines()
def num(line, key):
    return float(re.search(key + r"=([\d.]+)", line).group(1))
print("\n== gateway vs direct (same run; medians over rounds) ==")
for habit in ("new-connection", "keep-alive"):
    for q in ("p50", "p99"):
        d = st.median(num(l, q + "_us") for l in lines if " ping direct " in l and habit in l)
        g = st.median(num(l, q + "_us") for l in lines if " ping gateway " in l and habit in l)
        print("ping %-14s %s: direct %7.1f us, gateway %7.1f us, added %+7.1f us, ratio %.2f"
              % (habit, q, d, g, g - d, g / d))
run = {l.split()[2]: num(l, "mean_s") for l in lines if l.startswith("RESULT run ")}
for k in ("gateway", "gateway-rewritten"):
    print("docker run --rm mean: direct %.3f s, %s %.3f s, ratio %.3f (goal <= 1.05)"
          % (run["direct"], k, run[k], run[k] / run["direct"]))
def thr(path):
    return st.median(num(l, "bytes") / num(l, "seconds") for l in lines if l.startswith("RESULT load " + path + " "))
d, g = thr("direct"), thr("gateway")
print("docker load throughput (median of 3): direct %.1f MB/s, gateway %.1f MB/s, ratio %.3f (goal >= 0.90)"
      % (d / 1e6, g / 1e6, g / d))
PY
