# shellcheck shell=bash
# The identities the local job pod uses.  Sourced by scripts/bootstrap and by
# the tests, so that both agree on names and numbers.
#
#   PODSOCK_UID   runs podsock-init and podsock-sidecar (the chart's runAsUser)
#   BUILD_UID     runs the job (gitlab-runner's build container)
#   FS_GID        the pod's fsGroup: both are members
PODSOCK_USER=podsock
PODSOCK_UID=1500
BUILD_USER=podsock-build
BUILD_UID=1600
FS_GROUP=podsock-fs
FS_GID=1700
SUBID_START=100000
SUBID_COUNT=65536

_ensure_subid() { # file user start count
	grep -q "^$2:" "$1" 2>/dev/null || echo "$2:$3:$4" >>"$1"
}

podsock_test_users() {
	getent group "$FS_GROUP" >/dev/null || groupadd -g "$FS_GID" "$FS_GROUP"
	getent group "$PODSOCK_USER" >/dev/null || groupadd -g "$PODSOCK_UID" "$PODSOCK_USER"
	getent group "$BUILD_USER" >/dev/null || groupadd -g "$BUILD_UID" "$BUILD_USER"
	getent passwd "$PODSOCK_USER" >/dev/null ||
		useradd -m -u "$PODSOCK_UID" -g "$PODSOCK_UID" -G "$FS_GROUP" -s /bin/sh "$PODSOCK_USER"
	getent passwd "$BUILD_USER" >/dev/null ||
		useradd -m -u "$BUILD_UID" -g "$BUILD_UID" -G "$FS_GROUP" -s /bin/sh "$BUILD_USER"
	touch /etc/subuid /etc/subgid
	_ensure_subid /etc/subuid "$PODSOCK_USER" "$SUBID_START" "$SUBID_COUNT"
	_ensure_subid /etc/subgid "$PODSOCK_USER" "$SUBID_START" "$SUBID_COUNT"
}
