#!/usr/bin/env bash
# scripts/build-image rejects bad arguments with exit 2 and a message that
# says what is wrong, before it builds anything.
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
bi=$TOP/scripts/build-image

run_expect 2 "$bi" --frobnicate
assert_contains "$OUT" "unknown argument '--frobnicate'" "an unknown argument is refused"
run_expect 2 "$bi" --tag
assert_contains "$OUT" "--tag needs a value" "--tag without a value is refused"
run_expect 2 "$bi" --root
assert_contains "$OUT" "--root needs a directory" "--root without a value is refused"
run_expect 2 "$bi" --save
assert_contains "$OUT" "--save needs a file name" "--save without a value is refused"
run_expect 2 "$bi" --save /nonexistent-dir/podsock.tar
assert_contains "$OUT" "directory /nonexistent-dir does not exist" "--save into a missing directory is refused"
run_expect 2 "$bi" --tag 'Bad Tag!'
assert_contains "$OUT" "not a valid image name" "an invalid --tag is refused"
run_expect 2 "$bi" --rev
assert_contains "$OUT" "--rev needs a git revision" "--rev without a value is refused"
run_expect 2 "$bi" --rev no-such-revision-xyz
assert_contains "$OUT" "--rev 'no-such-revision-xyz' is not a commit" "an unknown --rev is refused"
run_expect 2 setpriv --reuid "$BUILD_UID" --regid "$BUILD_UID" --clear-groups "$bi"
assert_contains "$OUT" "must run as root" "a non-root user is told to run it as root"
run_expect 0 "$bi" --help
assert_contains "$OUT" "--rebuild-base" "--help lists the options"
