#!/usr/bin/env bash
# Every bad input to podsock-init gets a clear error and the right exit
# status: 2 for usage errors (flags, environment), 1 when the pod is not
# usable (the message names the fix).  No podman needed.
. "$(dirname "$0")/../common/lib.sh"
INIT=$BIN/podsock-init
[ -x "$INIT" ] || fail "$INIT is missing: build first"
base=(--socket-dir "$WORK/sock" --storage "$WORK/storage" --ids-out "$WORK/ids" --builds "$WORK")

usage() { # NEEDLE WHAT CMD...
	local needle=$1 what=$2
	shift 2
	run_expect 2 "$@"
	assert_contains "$OUT" "$needle" "$what"
}

usage "--ids-out: 'ids' must be an absolute path" "relative --ids-out" "$INIT" --ids-out ids
usage "--storage: 'x' must be an absolute path" "relative --storage" "$INIT" --storage x
usage "--builds: 'builds' must be an absolute path" "relative --builds" "$INIT" --builds builds
usage "is not START:COUNT" "--subids without a count" "$INIT" --subids 100000
usage "is not START:COUNT" "--subids starting at 0" "$INIT" --subids 0:65536
usage "is not START:COUNT" "--subids past 2^32" "$INIT" --subids 4294967000:65536
usage "PODSOCK_SUBIDS: '1:x' is not START:COUNT" "PODSOCK_SUBIDS checked too" env PODSOCK_SUBIDS=1:x "$INIT"
usage "PODSOCK_STORAGE_SHARED: 'maybe' is not one of auto, true, false, writer" "PODSOCK_STORAGE_SHARED" \
	env PODSOCK_STORAGE_SHARED=maybe "$INIT"
usage "POD_NAME: pod id 'Bad_Name'" "a POD_NAME that is no pod name" env POD_NAME=Bad_Name "$INIT"
usage "--pod-id: pod id '../x'" "a pod id with a path in it" "$INIT" --pod-id ../x
usage "no group 'no-such-group'" "unknown --socket-group" "$INIT" --socket-group no-such-group
usage "unknown option '--nope'" "unknown option" "$INIT" --nope
usage "option '--storage' needs a value" "missing value" "$INIT" --storage
usage "unexpected argument 'extra'" "stray argument" "$INIT" extra
# A hostname that is no pod name is ignored (a developer's machine).
run_expect 0 env -i HOSTNAME=My_Laptop "$INIT" --help

# Not usable: exit 1, with the fix.
touch "$WORK/file"
run_expect 1 "$INIT" "${base[@]}" --socket-dir "$WORK/file"
assert_contains "$OUT" "exists and is not a directory; mount an emptyDir" "socket dir that is a file"
mkdir -p "$WORK/storage"
run_expect 1 env POD_NAME= "$INIT" "${base[@]}" --storage-shared
assert_contains "$OUT" "set POD_NAME from the downward API" "shared storage without a pod name"
if [ "$(id -u)" = 0 ]; then
	# as_uid_1234 STATUS ARGS...: podsock-init as uid 1234 with ARGS, expecting STATUS.
	as_uid_1234() {
		local status=$1
		shift
		run_expect "$status" setpriv --reuid 1234 --regid 1234 --clear-groups "$INIT" --socket-dir /tmp \
			"$@" --builds /
	}
	chmod 0755 "$WORK"
	mkdir -p "$WORK/other"
	chown 4321:4321 "$WORK/other"
	chmod 0700 "$WORK/other"
	as_uid_1234 1 --storage "$WORK/other"
	assert_contains "$OUT" "is not writable by uid 1234; set the pod's fsGroup" "a storage volume the UID cannot use"
	mkdir -p "$WORK/vol/storage"
	chown 4321:4321 "$WORK/vol/storage"
	chmod 0777 "$WORK/vol"
	as_uid_1234 1 --storage "$WORK/vol/storage"
	assert_contains "$OUT" "not writable by uid 1234" "a storage directory of another UID"
	# A shared volume that anyone may write: this UID's directories in it.
	as_uid_1234 0 --storage-shared --pod-id p1 --storage "$WORK/vol"
	mkdir -p "$WORK/vol/pods"
	chown 4321 "$WORK/vol/pods"
	as_uid_1234 1 --storage-shared --pod-id p1 --storage "$WORK/vol"
	assert_contains "$OUT" "belongs to uid 4321, and uid 1234 cannot take it over" "a shared volume of another UID"
fi
# A builds dir that is no volume: a warning with the pod_spec lines, exit 0.
run_expect 0 "$INIT" "${base[@]}" --builds "$WORK/nobuilds" --log-format text
assert_contains "$OUT" "builds directory $WORK/nobuilds does not exist" "missing builds dir is named"
assert_contains "$OUT" "{name: repo, mountPath: $WORK/nobuilds}" "with the mount to add"
