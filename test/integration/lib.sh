# shellcheck shell=bash
# Shared by the integration tests: where things are, and assertions that say
# what they expected.  Each test exits 0 (pass), 1 (fail) or 77 (skip, with
# the reason on stdout).
set -euo pipefail

TOP=${PODSOCK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${PODSOCK_BIN:-$TOP/build/bin}
BUILD=${PODSOCK_BUILD:-$TOP/build}
PODSIM=$TOP/test/podsim/podsim
export PODSIM_BIN=$BIN
IMAGES=$BUILD/images
# shellcheck source=../../scripts/lib/users.sh
. "$TOP/scripts/lib/users.sh"

WORK=$(mktemp -d /var/tmp/podsock-it.XXXXXX)
trap 'rm -rf --one-file-system "$WORK"' EXIT

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (it builds a pod's namespaces)"
}

need_podman() {
	command -v podman >/dev/null || fail "podman is missing: run scripts/bootstrap"
	getent passwd "$PODSOCK_USER" >/dev/null || fail "no user $PODSOCK_USER: run scripts/bootstrap"
}

need_images() {
	"$TOP/scripts/make-test-images" "$IMAGES" >/dev/null
}

# assert_contains HAYSTACK NEEDLE WHAT
assert_contains() {
	case "$1" in
	*"$2"*) ok "$3" ;;
	*) fail "$3: expected to find '$2' in: $1" ;;
	esac
}

# run_expect STATUS CMD...: runs CMD, fails unless it exits STATUS; output in $OUT.
run_expect() {
	local want=$1 got=0
	shift
	OUT=$("$@" 2>&1) || got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; output: $OUT"
}
