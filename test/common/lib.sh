# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the tests that source this file
# The one helper library of the shell tests (sourced, not run): where things
# are, a scratch directory, and assertions that say what they expected.  A
# test exits 0 (pass), 1 (fail) or 77 (skip, with the reason on stdout).
#
# Two styles share it: fail-fast tests (fail, assert_contains, run_expect:
# the first broken expectation ends the test) and counting tests (check,
# not_ok, finish: every check runs, the summary line ends the test).
# PODSOCK_NO_WORKDIR=1 before sourcing: no scratch directory (tests that set
# their own EXIT trap).
set -euo pipefail

TOP=${PODSOCK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${PODSOCK_BIN:-$TOP/build/bin}
BUILD=${PODSOCK_BUILD:-$TOP/build}
PODSIM=$TOP/test/podsim/podsim
export PODSIM_BIN=$BIN
IMAGES=$BUILD/images
# shellcheck source=../../scripts/lib/users.sh
. "$TOP/scripts/lib/users.sh"

if [ "${PODSOCK_NO_WORKDIR:-0}" != 1 ]; then
	WORK=$(mktemp -d /var/tmp/podsock-it.XXXXXX)
	trap 'rm -rf --one-file-system "$WORK"' EXIT
fi

_test_name=$(basename "$0")
_checks=0
_failures=0

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() {
	_checks=$((_checks + 1))
	echo "ok: $*"
}

# not_ok WHAT: a failed check that lets the test go on (see finish).
not_ok() {
	_checks=$((_checks + 1))
	_failures=$((_failures + 1))
	echo "FAIL: $*" >&2
}

# check DESCRIPTION COMMAND...: runs COMMAND, records ok or not_ok with its output.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /' >&2
	fi
	return 0
}

# finish: the summary line of a counting test, and its exit status.
finish() {
	echo "[$_test_name] $((_checks - _failures)) passed, $_failures failed"
	[ "$_failures" -eq 0 ] || exit 1
	exit 0
}

# need_root [WHY]: skip unless root.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (${1:-it builds the namespaces of a pod})"
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
