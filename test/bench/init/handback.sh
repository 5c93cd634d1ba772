#!/usr/bin/env bash
# Cost of the ownership hand-back (sidecar/handback.c) on a tree of N files
# (default 10,000 in 100 directories) written by a nested non-root user, i.e.
# owned by subordinate uid 101233.  Run as root; prints seconds (median of
# R runs) and ratios against baselines measured in the same run:
#   walk      find DIR -printf '' (a bare walk, the floor)
#   chown-R   coreutils chown -R as root (what an admin would do)
#   here      handback_tree as root on the host (no user namespace)
#   userns    handback_in_userns as the pod user joining a rootless-podman-like
#             user namespace (0 -> 1500, 1..65536 -> 100000..): the real path
#   noop      the same again on a tree already handed back (the cost on every
#             container exit when nothing changed)
# Usage: test/bench/init/handback.sh [N] [R]
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
build=${PODSOCK_BUILD:-$top/build}
tool=$build/test-bin/podsock-handback-tool
n=${1:-10000}
reps=${2:-3}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$tool" ] || { echo "$tool missing: build first" >&2; exit 2; }
. "$top/scripts/lib/users.sh"

work=$(mktemp -d /var/tmp/podsock-bench.XXXXXX)
nspid=""
cleanup() {
	[ -z "$nspid" ] || kill "$nspid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
chmod 0755 "$work"
tree=$work/tree

make_tree() {
	rm -rf "$tree"
	mkdir -p "$tree"
	local dirs=100 per=$((n / 100)) d
	for d in $(seq 1 $dirs); do
		mkdir "$tree/d$d"
		(cd "$tree/d$d" && seq 1 "$per" | sed 's/^/f/' | xargs touch)
	done
	chmod -R go-rwx "$tree"
	chown -R 101233:101233 "$tree"
	chown 1600:1700 "$tree"
	chmod 0777 "$tree"
}

now() { date +%s.%N; }

# median of REPS timings of CMD, with make_tree before each unless NOPREP=1
timeit() {
	local i t0 t1 times=()
	for i in $(seq 1 "$reps"); do
		[ "${NOPREP:-0}" = 1 ] || make_tree
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		times+=("$(echo "$t1 - $t0" | bc -l)")
	done
	printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((reps + 1) / 2))p"
}

# A user namespace like rootless podman's, owned by the pod user.
echo "podsock:100000:65536" >"$work/subid"
chmod 0644 "$work/subid"
unshare --mount sh -c 'mount --bind "$0" /etc/subuid && mount --bind "$0" /etc/subgid &&
	exec setpriv --reuid 1500 --regid 1500 --clear-groups unshare --user --map-user=0 --map-group=0 \
	--map-users=100000,1,65536 --map-groups=100000,1,65536 sleep 600' "$work/subid" &
nspid=$!
# unshare execs: the same pid ends in the new namespace once its map is set.
target=""
for _ in $(seq 1 50); do
	if grep -q " 100000 " "/proc/$nspid/uid_map" 2>/dev/null; then
		target=$nspid
		break
	fi
	sleep 0.1
done
[ -n "$target" ] || { echo "could not make the user namespace" >&2; exit 1; }

walk=$(timeit find "$tree" -printf '')
chownr=$(timeit chown -R 1500:1500 "$tree")
here=$(timeit "$tool" --here 100000 165535 "$tree")
userns=$(timeit setpriv --reuid 1500 --regid 1500 --clear-groups "$tool" "$target" "$tree")
last=$(setpriv --reuid 1500 --regid 1500 --clear-groups "$tool" "$target" "$tree")
noop=$(NOPREP=1 timeit setpriv --reuid 1500 --regid 1500 --clear-groups "$tool" "$target" "$tree")
check=$(find "$tree" -mindepth 1 ! -user 1500 | wc -l)

echo "files: $n in 100 directories; median of $reps runs; $(nproc) CPUs"
printf '%-8s %8.3f s  x%.2f of walk\n' walk "$walk" 1
printf '%-8s %8.3f s  x%.2f of walk\n' chown-R "$chownr" "$(echo "$chownr / $walk" | bc -l)"
printf '%-8s %8.3f s  x%.2f of walk  x%.2f of chown-R\n' here "$here" "$(echo "$here / $walk" | bc -l)" "$(echo "$here / $chownr" | bc -l)"
printf '%-8s %8.3f s  x%.2f of walk  x%.2f of chown-R\n' userns "$userns" "$(echo "$userns / $walk" | bc -l)" "$(echo "$userns / $chownr" | bc -l)"
printf '%-8s %8.3f s  x%.2f of walk\n' noop "$noop" "$(echo "$noop / $walk" | bc -l)"
echo "last no-op report: $last"
echo "entries not the pod user's after the hand-back: $check"
[ "$check" = 0 ]
