#!/usr/bin/env bash
# A pod-like user namespace (hostUsers: false: 65536 IDs, "0 200000 65536")
# with root inside, emulated with util-linux unshare as CONTEXT.md describes:
# podsock-init reads the maps, hands out every ID but root's (65535), keeps
# root's passwd entry, prepares socket and storage directories.  The same
# namespace as uid 1500 gives two ranges around it, and a namespace with one
# ID gives the single-ID warning.
. "$(dirname "$0")/../common/lib.sh"
need_root
INIT=$BIN/podsock-init
[ -x "$INIT" ] || fail "$INIT is missing: build first"
unshare --help | grep -q -- --map-users || skip "util-linux unshare without --map-users"
chmod 0755 "$WORK"
cp "$INIT" "$WORK/podsock-init"
d=$WORK/pod
mkdir -p "$d"/{ids,ids1500,sock,storage,builds}
chown -R 200000:200000 "$d" # root of the pod's namespace
chown 201500:201700 "$d/ids1500"
chown 200000:201700 "$d/storage" "$d/sock"
chmod 2777 "$d/storage" "$d/sock"

# newuidmap, which unshare calls, wants the range in /etc/subuid: a copy with
# a line for root, bind-mounted in a mount namespace of the test's own.
echo "root:200000:65536" >"$WORK/subid"
chmod 0644 "$WORK/subid"
userns() { # MAP-COUNT CMD...
	local n=$1
	shift
	unshare --mount sh -c 'mount --bind "$0" /etc/subuid && mount --bind "$0" /etc/subgid && exec "$@"' \
		"$WORK/subid" unshare --user --map-users=200000,0,"$n" --map-groups=200000,0,"$n" \
		--setuid 0 --setgid 0 --mount --pid --fork --mount-proc -- "$@"
}
in_pod() { # CMD...: in the pod's user, mount and PID namespaces, as root there
	userns 65536 "$@"
}

run_expect 0 in_pod sh -c "cat /proc/self/uid_map; mount --bind '$d/builds' '$d/builds' &&
	'$WORK/podsock-init' --log-format text --ids-out '$d/ids' --socket-dir '$d/sock' \
	--storage '$d/storage/s' --builds '$d/builds'"
echo "$OUT"
assert_contains "$OUT" "user=root uid=0 user_added=false subordinate_uids=65535 subordinate_gids=65535 user_namespace=own" "root in a 65536-ID namespace hands out 65535 IDs"
[ "$(cat "$d/ids/subuid")" = "root:1:65535" ] || fail "subuid is '$(cat "$d/ids/subuid")'"
[ "$(cat "$d/ids/subgid")" = "root:1:65535" ] || fail "subgid is '$(cat "$d/ids/subgid")'"
ok "subuid and subgid: root:1:65535"
cmp -s "$d/ids/passwd" /etc/passwd || fail "passwd should be the image's, unchanged (root has an entry)"
ok "passwd is the image's (root has an entry)"
case "$OUT" in *warn*) fail "unexpected warning: $OUT" ;; esac
ok "no warning: the builds dir is a mount point, the IDs are enough"
[ "$(stat -c '%u %a' "$d/storage/s")" = "200000 700" ] || fail "storage: $(stat -c '%u %a' "$d/storage/s")"
ok "storage directory owned by the namespace's root (200000 outside), mode 0700"

# The same namespace, init as uid 1500 (runAsUser with hostUsers: false).
run_expect 0 in_pod setpriv --reuid 1500 --regid 1500 --groups 1700 -- "$WORK/podsock-init" \
	--log-format text --ids-out "$d/ids1500" --socket-dir "$d/sock" --storage "$d/storage/u" --builds /
[ "$(cat "$d/ids1500/subuid")" = "podsock:1:1499
podsock:1501:64035" ] || fail "subuid for 1500 is '$(cat "$d/ids1500/subuid")'"
ok "uid 1500 in the pod namespace: two ranges around it, 65534 IDs"

# One ID only ("0 200000 1"): single-ID mode, said plainly.
run_expect 0 userns 1 "$WORK/podsock-init" --log-format text --ids-out "$d/ids" --socket-dir "$d/sock" \
	--storage "$d/storage/s" --builds /
assert_contains "$OUT" "single-ID mode" "a one-ID namespace warns about single-ID mode"
assert_contains "$OUT" "hostUsers: false" "and says how to get more IDs"
[ ! -s "$d/ids/subuid" ] || fail "subuid should be empty in single-ID mode"
ok "subuid is empty in single-ID mode"
