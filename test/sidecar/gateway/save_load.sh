#!/usr/bin/env bash
# docker build with a 200 MB context, docker save and docker load of the
# 200 MB image, all streamed through the gateway.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

GW_ARGS=--rewrite-network gw_job_ok -- save_load.sh
size=$(mark tar-size)
[ "${size:-0}" -gt 200000000 ] || fail "the saved image is $size bytes, expected over 200 MB"
ok "docker save wrote a $size byte image"
md5=$(mark loaded-md5)
[ -n "${md5%% was *}" ] && [ "${md5%% was *}" = "${md5##* was }" ] || fail "the loaded image differs: $md5"
ok "the loaded image holds the same 200 MB file"
assert_contains "$(mark load-file)" "Loaded image" "docker load -i of the 200 MB image"
assert_contains "$(mark load-pipe)" "Loaded image" "docker save | docker load"
mark timing
assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves"
