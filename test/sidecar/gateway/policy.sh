#!/usr/bin/env bash
# The gateway's policy (gateway.allowedBindSources, gateway.allowPrivileged)
# and default limits, with the docker CLI in a pod: refusals are 403
# answers that name the setting; allowed things still work.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

GW_ARGS="--rewrite-network --allow-bind /builds --allow-bind /sockets --no-privileged --memory 268435456 --pids 256" \
	gw_job_ok -- policy.sh
assert_contains "$(mark bind-builds)" inside-builds "a bind mount under /builds is allowed"
for c in bind-etc bind-dotdot bind-symlink mount-etc; do
	assert_contains "$(mark $c)" "refused by gateway.allowedBindSources in podsock.yaml" "$c is refused, naming the setting"
done
assert_contains "$(mark volume)" vol-ok "a named volume is allowed"
assert_contains "$(mark privileged)" "--privileged refused by gateway.allowPrivileged" "--privileged is refused, naming the setting"
assert_contains "$(mark exec-privileged)" "gateway.allowPrivileged" "exec --privileged is refused"
assert_contains "$(mark exec-plain)" exec-ok "a plain exec works"
assert_contains "$(mark encoded)" "gateway.allowPrivileged" "a percent-encoded create path gets the policy too"
assert_contains "$(mark kube)" "kube play refused" "kube play is refused under a policy"
[ "$(mark limits-default)" = "268435456 256" ] || fail "default limits: '$(mark limits-default)'"
ok "default memory and pids limits apply when the request sets none"
[ "$(mark limits-set)" = "104857600 50" ] || fail "set limits: '$(mark limits-set)'"
ok "limits the request sets are kept"
assert_contains "$OUT" '"msg":"gateway: request refused (403)' "refusals are logged"
assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves"
