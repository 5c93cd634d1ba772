#!/usr/bin/env bash
# The seccomp deny list reaches nested containers: a container that calls a
# denied system call (keyctl, which podman's own default profile allows) gets
# EPERM, while the same call succeeds without podsock's list, so the test can
# tell the difference.
#  1. seccomp-exec (hardening_seccomp_load) around a process on this host;
#  2. the profile (hardening_seccomp_write_profile) given to the rootless
#     podman behind the sidecar's socket in podsim, through containers.conf,
#     as the sidecar will give it; the job uses the docker CLI.
. "$(dirname "$0")/../common/lib.sh"
need_root
need_podman

T=$BUILD/test-bin
for f in seccomp-exec syscall-probe; do [ -x "$T/$f" ] || fail "$T/$f is missing: build first"; done

# 1. On the host.
run_expect 0 "$T/syscall-probe" keyctl
assert_contains "$OUT" "keyctl: ok" "without the filter, keyctl works (baseline)"
run_expect 0 "$T/seccomp-exec" "$T/syscall-probe" keyctl
assert_contains "$OUT" "keyctl: errno 1 (Operation not permitted)" "under the filter, keyctl gets EPERM"
run_expect 0 "$T/seccomp-exec" "$T/syscall-probe" getpid
assert_contains "$OUT" "getpid: ok" "under the filter, allowed calls work"
run_expect 0 "$T/seccomp-exec" sh -c "$T/syscall-probe keyctl"
assert_contains "$OUT" "keyctl: errno 1" "children of a filtered process inherit the filter"

# A one-file image with the probe.
mkdir -p "$WORK/img"
cp "$T/syscall-probe" "$WORK/img/probe"
tar -C "$WORK/img" -cf "$WORK/probe.tar" probe
run_expect 0 "$T/seccomp-exec" --write-profile /usr/share/containers/seccomp.json "$WORK/profile.json"
chmod 0644 "$WORK/profile.json"

# 2. Through the sidecar's socket in podsim: the sidecar writes the profile
#    and names it in containers.conf (seccomp_profile), so every nested
#    container gets it.  (Not `docker run --security-opt seccomp=FILE`:
#    podman 4.3's compat API takes the profile text the docker CLI sends for
#    a file name, "file name too long".)
job='docker import probe.tar t/probe >/dev/null &&
	echo "run: $(docker run --rm --network host t/probe /probe keyctl)" &&
	echo "run: $(docker run --rm --network host t/probe /probe getpid)"'
pod() {
	"$PODSIM" --bin "$BIN" --copy-in "$WORK/probe.tar:probe.tar" "$@" -- sh -c "$job" 2>&1
}
out=$(pod --sidecar-arg --set=hardening.seccomp=false) || fail "job without the profile failed: $out"
assert_contains "$out" "run: keyctl: ok" "with hardening.seccomp false, podman's default profile allows keyctl (baseline)"
out=$(pod --log "$WORK/sidecar.log") || fail "job with the profile failed: $out"
assert_contains "$out" "run: keyctl: errno 1 (Operation not permitted)" "a nested container under the sidecar's profile gets EPERM"
assert_contains "$out" "run: getpid: ok" "a nested container under the sidecar's profile runs"
assert_contains "$(cat "$WORK/sidecar.log")" "seccomp: deny list in" "the sidecar logs where the profile is"
