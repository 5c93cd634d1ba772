#!/usr/bin/env bash
# Malformed requests, huge heads, slow and vanishing clients, pipelining,
# and the engine wait, against the gateway in front of a real podman.
# shellcheck source=lib-gw.sh
. "$(dirname "$0")/lib-gw.sh"
need_gw_pod

GW_ARGS="--rewrite-network --header-timeout 2" gw_job_ok -- robust.sh
for c in obs-fold dup-cl cl-te bare-lf no-host nul garbage; do
	assert_contains "$(mark $c)" "HTTP/1.1 400 Bad Request" "malformed request ($c): 400"
	assert_contains "$(mark $c)" '{"message":"podsock gateway: malformed HTTP message' "... with a Docker-style JSON error"
done
assert_contains "$(mark bad-te)" "HTTP/1.1 501" "Transfer-Encoding other than chunked: 501"
assert_contains "$(mark huge-header)" "HTTP/1.1 431" "a 70 KB header: 431"
assert_contains "$(mark many-headers)" "HTTP/1.1 431" "150 header fields: 431"
assert_contains "$(mark pipelined)" "2 answers, version=True" "pipelined requests are answered in order"
assert_contains "$(mark chunked-body)" "HTTP/1.1 " "a chunked request body reaches the engine"
case "$(mark chunked-body)" in *" 400 "* | *" 500 "* | *" 200 "*) ok "the engine answered the chunked upload" ;; *) fail "chunked upload: $(mark chunked-body)" ;; esac
assert_contains "$(mark slow-others)" "50/50 pings" "slow clients do not hold up others"
assert_contains "$(mark slow-408)" "HTTP/1.1 408" "a stalled head gets 408 after --header-timeout"
assert_contains "$(mark idle-200)" "ping True" "200 idle connections do not block a new one"
assert_contains "$(mark vanish-logs)" "ping True" "a logs -f client that vanishes does not hurt others"
assert_contains "$(mark vanish-attach)" "ping True" "an attach client that vanishes does not hurt others"
threads=$(mark threads-after)
# main + acceptor + exits watcher + at most 16 idle workers kept for the
# next clients
[ "$threads" -le 19 ] || fail "$threads threads left in the gateway after the clients went away (want <= 19)"
ok "no connection threads pile up ($threads: main, acceptor, exits watcher, idle workers)"
read -r code secs <<<"$(mark expect-continue)"
[ "$code" != 000 ] && awk "BEGIN { exit !($secs < 0.9) }" ||
	fail "Expect: 100-continue upload: status $code after $secs s (a stall waits 1 s)"
ok "Expect: 100-continue gets its 100 at once ($code after $secs s)"
assert_contains "$(mark no-engine)" "did not answer on /tmp/none.sock within 2 s" "no engine: a clear JSON error"
assert_contains "$(mark no-engine)" "} 503" "... with status 503"
ms=$(mark no-engine-ms)
[ "$ms" -ge 1900 ] && [ "$ms" -le 5000 ] || fail "no engine: the answer came after $ms ms, expected about 2000 (--wait 2)"
ok "... after the bounded wait ($ms ms for --wait 2)"
assert_contains "$(mark unavailable)" "user namespaces are disabled" "an unavailable engine: the detection report's reason"
assert_contains "$(mark late-engine)" "1.41" "a late engine: the request waits, then goes through"
assert_contains "$(mark restarted-engine)" "1.41" "a restarting engine: the request waits, then goes through"
assert_contains "$OUT" "gateway still serving: OK" "the gateway still serves after all of it"
