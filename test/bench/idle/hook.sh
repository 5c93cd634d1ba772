# shellcheck shell=sh
# Pod-level hook (root, sees every container's processes): samples the
# sidecar's own processes (podsock-sidecar, gatewayd) and podman's over
# IDLE seconds of an idle pod: VmRSS at the end, CPU (utime+stime) used.
IDLE=${BENCH_IDLE:-30}
out=/builds/demo/idle.json
sleep 2
tck=$(getconf CLK_TCK)
pids() { for p in /proc/[0-9]*; do c=$(cat $p/comm 2>/dev/null) || continue; if echo "$c" | grep -Eqx "$1"; then echo ${p#/proc/}; fi; done; }
cpu() { t=0; for p in $(pids "$1"); do set -- $(cut -d')' -f2 /proc/$p/stat); t=$((t + ${12} + ${13})); done; echo $t; }
rss() { t=0; for p in $(pids "$1"); do k=$(awk '/^VmRSS/ {print $2}' /proc/$p/status); t=$((t + ${k:-0})); done; echo $t; }
S='podsock-sidecar|gatewayd' P='podman'
s0=$(cpu "$S") p0=$(cpu "$P")
sleep "$IDLE"
s1=$(cpu "$S") p1=$(cpu "$P")
printf '{"idle_s":%s,"sidecar_procs":"%s","sidecar_rss_kib":%s,"sidecar_cpu_s":%s,"podman_procs":"%s","podman_rss_kib":%s,"podman_cpu_s":%s}\n' \
	"$IDLE" "$(pids "$S" | tr '\n' ' ')" "$(rss "$S")" "$(awk "BEGIN{print ($s1-$s0)/$tck}")" \
	"$(pids "$P" | tr '\n' ' ')" "$(rss "$P")" "$(awk "BEGIN{print ($p1-$p0)/$tck}")" >$out.tmp
mv $out.tmp $out
