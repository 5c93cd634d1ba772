#!/bin/sh
# shellcheck disable=SC2016 # the sh -c scripts expand in the job, not here
# A job under the sidecar's seccomp profile (test/deploy/seccomp-profile): what
# CI jobs do with the engine, each step marked for the test to check.
# Steps: run (with -v of the job directory), hostname, exec, build, and
# testcontainers-node when ./node holds test/node; STEPS="run exec" runs only
# those.
set -u
STEPS=${STEPS:-run hostname exec build testcontainers}
step() { # NAME CMD...: runs CMD, prints "MARK NAME: ok" or the failure
	name=$1
	shift
	case " $STEPS " in *" $name "*) ;; *) return 0 ;; esac
	if out=$("$@" 2>&1); then
		echo "MARK $name: ok"
	else
		echo "MARK $name: FAILED: $out"
	fi
}
docker import busybox.tar podsock.test/busybox >/dev/null || {
	echo "MARK import: FAILED"
	exit 1
}
step run sh -c 'docker run --rm -v "$CI_PROJECT_DIR:/w" podsock.test/busybox sh -c "echo ran > /w/ran.txt" && grep -qx ran ran.txt'
step hostname sh -c '[ "$(docker run --rm --hostname nested podsock.test/busybox hostname)" = nested ]'
step exec sh -c 'cid=$(docker run -d podsock.test/busybox sleep 60) && docker exec "$cid" true; rc=$?; docker rm -f "$cid" >/dev/null; exit $rc'
mkdir -p ctx
printf 'FROM podsock.test/busybox\nRUN echo built > /built\n' >ctx/Dockerfile
step build sh -c 'DOCKER_BUILDKIT=0 docker build -q -t podsock.test/built ctx >/dev/null && [ "$(docker run --rm podsock.test/built cat /built)" = built ]'
if [ -d node ]; then
	export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost HOME=/tmp
	step testcontainers sh -c 'node --test node/gateway.test.mjs 2>&1 | grep -q "^# pass 1"'
fi
