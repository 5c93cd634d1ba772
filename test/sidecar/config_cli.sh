#!/usr/bin/env bash
# podsock-sidecar's configuration through the real binary: --print-config,
# the precedence of file, environment and flags, and for each kind of bad
# input its message (FILE:LINE:COLUMN: key: what; fix) and exit status 2.
. "$(dirname "$0")/../common/lib.sh"

S=$BIN/podsock-sidecar
[ -x "$S" ] || fail "$S is missing: build first"
unset PODSOCK_CONFIG PODSOCK_LOG_LEVEL PODSOCK_SOCKET PODSOCK_GRACE

run_expect 0 "$S" --help
assert_contains "$OUT" "--config FILE" "--help documents --config"
assert_contains "$OUT" "--print-config" "--help documents --print-config"
assert_contains "$OUT" "2 on a usage or configuration error" "--help documents exit status 2"

# The defaults, printed, load back unchanged (round trip through the binary).
run_expect 0 "$S" --print-config
assert_contains "$OUT" 'path: "/sockets/podman.sock"' "defaults: socket path"
assert_contains "$OUT" "grace: 10s" "defaults: grace"
printf '%s\n' "$OUT" >"$WORK/printed.yaml"
run_expect 0 "$S" --config "$WORK/printed.yaml" --print-config
[ "$(grep -v '^#' <<<"$OUT")" = "$(grep -v '^#' "$WORK/printed.yaml")" ] ||
	fail "printed configuration does not round-trip: $OUT"
ok "--print-config output loads back to the same configuration"

# The chart's ConfigMap text is valid.
chart=$TOP/deploy/helm/podsock/values.yaml
if [ -f "$chart" ]; then
	python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["config"], end="")' \
		"$chart" >"$WORK/chart.yaml" 2>/dev/null ||
		awk '/^config: \|/{on=1; next} on && /^[^ ]/{exit} on{sub(/^  /, ""); print}' "$chart" >"$WORK/chart.yaml"
	run_expect 0 "$S" --config "$WORK/chart.yaml" --print-config
	assert_contains "$OUT" "level: info" "the Helm chart's default config: is valid"
fi

# Precedence: defaults < file < environment < flags.
cat >"$WORK/p.yaml" <<'Y'
log: {level: debug, format: text}
shutdown: {grace: 20s}
socket: {path: /file.sock}
storage: {sizeLimit: 2Gi}
Y
OUT=$(PODSOCK_CONFIG=$WORK/p.yaml PODSOCK_LOG_LEVEL=warn PODSOCK_SOCKET=/env.sock \
	"$S" --socket /flag.sock --set storage.sizeLimit=3Gi --print-config 2>&1) || fail "precedence run: $OUT"
assert_contains "$OUT" "format: text" "the file overrides a default"
assert_contains "$OUT" "grace: 20s" "the file's value stays where nothing overrides it"
assert_contains "$OUT" "level: warn" "the environment overrides the file"
assert_contains "$OUT" 'path: "/flag.sock"' "a flag overrides the environment and the file"
assert_contains "$OUT" "sizeLimit: 3Gi" "--set overrides the file"
assert_contains "$OUT" "# read from $WORK/p.yaml" "--print-config names the file it read"

# Bad input: each gives its message and exit status 2.
bad() { # NAME YAML EXPECTED-MESSAGE
	printf '%b' "$2" >"$WORK/$1.yaml"
	run_expect 2 "$S" --config "$WORK/$1.yaml" --print-config
	assert_contains "$OUT" "podsock-sidecar: $WORK/$1.yaml:$3" "$1: exit 2 and the message"
}
bad malformed 'log: [\n' "2:1: malformed YAML: did not find expected node content"
bad tabs 'log:\n\tlevel: info\n' "2:1: malformed YAML: found character that cannot start any token"
bad empty '' "1:1: the configuration is empty; write at least one setting"
bad two_documents 'log: {}\n---\nlog: {}\n' "2:1: a second YAML document"
bad unknown_section 'loggin: {level: info}\n' "1:1: loggin: unknown key; the sections are socket"
bad unknown_key 'storage:\n  sizelimit: 1Gi\n' "2:3: storage.sizelimit: unknown key; the keys of storage are dir, drivers, sizeLimit"
bad duplicate 'log:\n  level: info\n  level: debug\n' "3:3: log.level: key 'level' is given twice (first at line 2); keep one"
bad wrong_type 'socket:\n  path: [/a]\n' "2:9: socket.path: expected a single value, found a list"
bad not_a_mapping 'log: debug\n' "1:6: log: expected a mapping of settings, found a single value"
bad mode 'socket: {mode: 0999}\n' "1:16: socket.mode: '0999' is not an octal mode like 0660"
bad size 'storage: {sizeLimit: 20GB}\n' "1:22: storage.sizeLimit: '20GB' is not a size such as 500Mi"
bad watermarks 'storage: {highWatermark: 70, lowWatermark: 75}\n' "1:44: storage.lowWatermark: the low watermark (75%) must be below the high watermark (70%)"
bad duration 'shutdown: {grace: 500ms}\n' "1:19: shutdown.grace: '500ms' is not a whole number of seconds"
bad bool 'hardening: {seccomp: yes}\n' "1:22: hardening.seccomp: 'yes' is not a boolean; write true or false"
bad driver 'storage: {drivers: [overlay, btrfs]}\n' "1:30: storage.drivers: unknown storage driver 'btrfs'"

run_expect 2 "$S" --config "$WORK/none.yaml" --print-config
assert_contains "$OUT" "cannot open configuration $WORK/none.yaml" "a missing --config file: exit 2"
run_expect 2 env PODSOCK_CONFIG="$WORK/malformed.yaml" "$S" --print-config
assert_contains "$OUT" "$WORK/malformed.yaml:2:1: malformed YAML" "PODSOCK_CONFIG is read"
run_expect 2 env PODSOCK_GRACE=soon "$S" --print-config
assert_contains "$OUT" "PODSOCK_GRACE: 'soon' is not a duration" "a bad environment value: exit 2"
run_expect 2 env PODSOCK_STORAGE_SHARED=yes "$S" --print-config
assert_contains "$OUT" "PODSOCK_STORAGE_SHARED: 'yes' is not one of auto, true, false, writer" \
	"a bad shared-storage role (the variable init reads too): exit 2"
run_expect 0 env PODSOCK_STORAGE_SHARED=writer "$S" --print-config
assert_contains "$OUT" "shared: writer" "--print-config shows the shared-storage role"
run_expect 2 "$S" --set storage.nope=1 --print-config
assert_contains "$OUT" "--set: unknown setting 'storage.nope'" "an unknown --set key: exit 2"
run_expect 2 "$S" --grace 3601
assert_contains "$OUT" "--grace: shutdown.grace: '3601' is out of range" "a bad flag value: exit 2"
# --check is parsed (what it does belongs to the sidecar's main).
run_expect 2 "$S" --check --config "$WORK/mode.yaml"
assert_contains "$OUT" "socket.mode" "--check reads the configuration too"
