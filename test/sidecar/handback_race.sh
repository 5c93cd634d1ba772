#!/usr/bin/env bash
# Ownership hand-back without a race (issue 16): the job's next line runs the
# instant the docker call returns, and what a nested non-root user wrote into
# the project directory must already be the pod's then.  In one pod per CASE:
#   standard   the chart's standard mode: runAsUser = runAsGroup = fsGroup = 1500
#   supplementary  runAsUser = runAsGroup = 1500, fsGroup 1700 (podsim's
#              default): the fsGroup is only a supplementary group
#   openshift  OpenShift's restricted SCC: an arbitrary UID (1000680000), GID 0,
#              the fsGroup (1000680000) supplementary
#   userns     hostUsers: false (root of the pod's user namespace)
# the job (uid 1600, another UID in the fsGroup) makes its project directory
# setgid to the fsGroup as the kubelet's emptyDir makes it, then, with no
# sleep anywhere:
#   run-rm       HANDBACK_ROUNDS x  docker run --rm --user 1234:1234 -v "$PWD:/w"
#                writing D/e/f in a 0700 tree (D: a new name each round)
#   run-d-wait   docker run -d + docker wait
#   stop         docker stop of a container that writes the tree on SIGTERM
#   exec         docker exec -u 1234 into a running container
#   compose-up   docker-compose up --exit-code-from (a service writing into
#                the project directory), then down
#   compose-run  docker-compose run --rm
#   testcontainers  a testcontainers-node container that wrote the tree,
#                stopped by the test (its default: kill, then remove)
# the last six HANDBACK_OTHER_ROUNDS x each.  After every call the job reads
# D/e/f, checks that D, D/e and D/e/f belong to the pod user (the owner the
# hand-back gives them in this mode) and deletes D.  Every round must pass,
# and the sidecar must not log a hand-back that failed on some entry.
#
# Usage: handback_race.sh CASE   (environment: HANDBACK_ROUNDS, default 20;
#        HANDBACK_OTHER_ROUNDS, default 3).  Prints "SUMMARY CASE PART
# rounds=N failures=F" lines (test/reliability reads them).
. "$(dirname "$0")/../common/lib.sh"
case "${1:-}" in
standard | supplementary | openshift | userns) CASE=$1 ;;
*) echo "usage: $0 standard|supplementary|openshift|userns" >&2; exit 2 ;;
esac
ROUNDS=${HANDBACK_ROUNDS:-20}
OTHER=${HANDBACK_OTHER_ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || fail "HANDBACK_ROUNDS '$ROUNDS' is not a positive number"
[[ "$OTHER" =~ ^[1-9][0-9]*$ ]] || fail "HANDBACK_OTHER_ROUNDS '$OTHER' is not a positive number"
need_root "it builds the namespaces of a pod"
need_podman
need_images
command -v docker-compose >/dev/null || fail "docker-compose is missing: apt-get install docker-compose (scripts/bootstrap)"
command -v node >/dev/null || fail "node is missing: run scripts/bootstrap"
[ -d "$TOP/test/node/node_modules/testcontainers" ] ||
	fail "testcontainers is not installed in test/node: run scripts/install-npm-clients"

# The pod, and the owner (as the job sees it) that the hand-back gives the
# tree: container root of the engine's namespace, i.e. the pod's UID and
# GID, or, as root of a hostUsers: false pod, the project directory's owner.
OS_UID=1000680000
case "$CASE" in
standard) pod=(--fs-group "$PODSOCK_UID"); owner=$PODSOCK_UID:$PODSOCK_UID ;;
supplementary) pod=(); owner=$PODSOCK_UID:$PODSOCK_UID ;;
openshift)
	! getent passwd "$OS_UID" >/dev/null || skip "uid $OS_UID has a passwd entry on this machine"
	pod=(--pod-uid "$OS_UID" --pod-gid 0 --fs-group "$OS_UID"); owner=$OS_UID:0 ;;
userns)
	unshare --help | grep -q -- --map-users || skip "util-linux unshare without --map-users"
	pod=(--host-users-false); owner=$BUILD_UID:$FS_GID ;;
esac

cat >"$WORK/job.sh" <<'JOB'
# shellcheck shell=sh
set -u
IMG=podsock.test/busybox:latest
docker import busybox.tar "$IMG" >/dev/null || { echo "SETUP import failed"; exit 3; }
# The runner's builds emptyDir is setgid to the fsGroup (the kubelet sets
# it): everything written below gets the fsGroup as its group.
chmod 2777 . || { echo "SETUP cannot make the project directory setgid"; exit 3; }
echo "SETUP project $(stat -c '%a %u:%g' .) job $(id -u):$(id -g) groups $(id -G)"
# Each round writes its own tree D (a tree left behind does not spill over).
WRITE='mkdir -p "/w/$D/e" && echo "$D" >"/w/$D/e/f" && chmod -R 0700 "/w/$D"'

# check PART ROUND: the tree D is readable, the pod's, and deletable, now.
check() {
	got=$(cat "$D/e/f" 2>&1)
	own=$(stat -c %u:%g "$D" "$D/e" "$D/e/f" 2>&1 | tr '\n' ' ')
	if [ "$got" = "$D" ] && [ "$own" = "$HB_OWNER $HB_OWNER $HB_OWNER " ] && rm -rf "$D" 2>/dev/null; then
		return 0
	fi
	# Failed: how late did the hand-back come, if at all?  (Only to say so,
	# and so that the next round starts clean.)
	late=never k=0
	while [ $k -lt 100 ]; do
		k=$((k + 1))
		if rm -rf "$D" 2>/dev/null; then late="$((k * 100)) ms later"; break; fi
		sleep 0.1
	done
	echo "FAILDETAIL $1 round $2: read '$got', owners '$own' (want $HB_OWNER), deletable $late"
	return 1
}

# result PART ROUNDS FAILURES
result() { echo "RESULT $1 rounds=$2 failures=$3"; }

# part NAME ROUNDS: runs round_NAME I for I in 1..ROUNDS, each followed by check.
part() {
	n=0 f=0
	while [ $n -lt "$2" ]; do
		n=$((n + 1)) D=$1-$n
		if ! out=$("round_$1" "$n" 2>&1); then
			f=$((f + 1))
			echo "FAILDETAIL $1 round $n: the docker call failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
			continue
		fi
		check "$1" "$n" || f=$((f + 1))
	done
	result "$1" "$n" "$f"
}

round_run_rm() {
	docker run --rm --user 1234:1234 -e "D=$D" -v "$PWD:/w" "$IMG" sh -c "$WRITE"
}

round_run_d_wait() {
	id=$(docker run -d --user 1234:1234 -e "D=$D" -v "$PWD:/w" "$IMG" sh -c "$WRITE") || return 1
	st=$(docker wait "$id") || return 1
	[ "$st" = 0 ] || { echo "exit status $st"; return 1; }
	# The check runs before the removal (which hands back too).
	echo "$id" >.rm-later
}

round_stop() {
	rm -f up
	id=$(docker run -d --user 1234:1234 -e "D=$D" -v "$PWD:/w" "$IMG" sh -c \
		'w() { '"$WRITE"'; exit 0; }; trap w TERM; touch /w/up; while :; do sleep 0.1; done') || return 1
	echo "$id" >.rm-later
	k=0
	while [ ! -e up ] && [ $k -lt 600 ]; do sleep 0.05; k=$((k + 1)); done
	[ -e up ] || { echo "the container never got ready"; return 1; }
	docker stop "$id" >/dev/null
}

round_exec() {
	docker exec -u 1234 -e "D=$D" "$EXEC_CT" sh -c "$WRITE"
}

round_compose_up() {
	D=$D docker-compose --ansi never -p hbrace -f compose.yml up --no-color --exit-code-from writer
}

round_compose_run() {
	D=$D docker-compose --ansi never -p hbrace -f compose.yml run --rm -T writer
}

# Removes what a round left for after its check.
rm_later() {
	[ -e .rm-later ] || return 0
	docker rm -f "$(cat .rm-later)" >/dev/null 2>&1
	rm -f .rm-later up
}

part run_rm "$ROUNDS"
for p in run_d_wait stop; do
	n=0 f=0
	while [ $n -lt "$OTHER" ]; do
		n=$((n + 1)) D=$p-$n
		if ! out=$("round_$p" "$n" 2>&1); then
			f=$((f + 1))
			echo "FAILDETAIL $p round $n: the docker call failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
			rm_later
			continue
		fi
		check "$p" "$n" || f=$((f + 1))
		rm_later
	done
	result "$p" "$n" "$f"
done

EXEC_CT=$(docker run -d -v "$PWD:/w" "$IMG" sleep 600) || { echo "SETUP cannot start the exec container"; exit 3; }
part exec "$OTHER"
docker rm -f "$EXEC_CT" >/dev/null

cat >compose.yml <<'YML'
version: "2.4"
services:
  writer:
    image: podsock.test/busybox:latest
    user: "1234:1234"
    network_mode: host
    environment: [D]
    volumes: [".:/w"]
    command: ["sh", "-c", "mkdir -p \"/w/$$D/e\" && echo \"$$D\" >\"/w/$$D/e/f\" && chmod -R 0700 \"/w/$$D\""]
YML
n=0 f=0
while [ $n -lt "$OTHER" ]; do
	n=$((n + 1)) D=compose_up-$n
	if ! out=$(round_compose_up "$n" 2>&1); then
		f=$((f + 1))
		echo "FAILDETAIL compose_up round $n: docker-compose up failed: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	else
		check compose_up "$n" || f=$((f + 1))
	fi
	docker-compose --ansi never -p hbrace -f compose.yml down >/dev/null 2>&1
done
result compose_up "$n" "$f"
part compose_run "$OTHER"
docker-compose --ansi never -p hbrace -f compose.yml down >/dev/null 2>&1

HOME=/tmp TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost \
	HB_IMAGE=$IMG HB_WRITE=$WRITE node node/handback_race.mjs 2>&1 || echo "FAILDETAIL testcontainers: node exited $?"
echo "LEFT containers=$(docker ps -aq | wc -l)"
JOB

cat >"$WORK/handback_race.mjs" <<'NODE'
// A testcontainers-node container (uid 1234, the project directory bind
// mounted) writes a 0700 tree, then runs on; the test stops it (the
// library's default: SIGKILL, then removal) and at once reads the tree,
// checks its owners and deletes it.
import fs from "node:fs";
import { GenericContainer, Wait } from "testcontainers";

const rounds = Number(process.env.HB_OTHER_ROUNDS);
const owner = process.env.HB_OWNER;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ownerOf = (p) => {
  try {
    const s = fs.statSync(p);
    return `${s.uid}:${s.gid}`;
  } catch (e) {
    return e.code;
  }
};
let failures = 0;
for (let i = 1; i <= rounds; i++) {
  const d = `testcontainers-${i}`;
  let why = "";
  try {
    const c = await new GenericContainer(process.env.HB_IMAGE)
      .withUser("1234:1234")
      .withEnvironment({ D: d })
      .withBindMounts([{ source: process.cwd(), target: "/w" }])
      .withCommand(["sh", "-c", `${process.env.HB_WRITE} && echo written && exec sleep 600`])
      .withWaitStrategy(Wait.forLogMessage("written"))
      .withStartupTimeout(60000)
      .start();
    await c.stop();
    let got;
    try {
      got = fs.readFileSync(`${d}/e/f`, "utf8").trim();
    } catch (e) {
      got = e.code;
    }
    const owners = [d, `${d}/e`, `${d}/e/f`].map(ownerOf);
    if (got !== d) why = `read '${got}'`;
    else if (owners.some((o) => o !== owner)) why = `owners ${owners.join(" ")} (want ${owner})`;
    else fs.rmSync(d, { recursive: true });
  } catch (e) {
    why = `${e.code ?? ""} ${e.message}`.trim().split("\n")[0];
  }
  if (why) {
    failures++;
    let late = "never";
    for (let k = 1; k <= 100; k++) {
      try {
        fs.rmSync(d, { recursive: true, force: true });
        late = `${k * 100} ms later`;
        break;
      } catch {
        await sleep(100);
      }
    }
    console.log(`FAILDETAIL testcontainers round ${i}: ${why}, deletable ${late}`);
  }
}
console.log(`RESULT testcontainers rounds=${rounds} failures=${failures}`);
NODE

t0=$SECONDS
out=$("$PODSIM" "${pod[@]}" --pod-dir "$WORK/pod" --log "$WORK/sidecar.log" \
	--copy-in "$IMAGES/busybox.tar:busybox.tar" --copy-in "$WORK/job.sh:job.sh" \
	--copy-in "$TOP/test/node:node" --copy-in "$WORK/handback_race.mjs:node/handback_race.mjs" \
	--job-env "ROUNDS=$ROUNDS" --job-env "OTHER=$OTHER" --job-env "HB_OTHER_ROUNDS=$OTHER" \
	--job-env "HB_OWNER=$owner" -- sh job.sh 2>&1) || fail "the pod failed: $out
sidecar log: $(tail -n 20 "$WORK/sidecar.log")"
echo "$out" | grep -E '^(SETUP|RESULT|FAILDETAIL|LEFT)' || true
log=$(cat "$WORK/sidecar.log")
echo "hand-backs logged: $(grep -c '"msg":"handed files back' <<<"$log" || true);" \
	"by event: $(grep -o '"on":"[a-z]*"' <<<"$log" | sort | uniq -c | tr -s ' \n' ' ')"
echo "pod took $((SECONDS - t0)) s"

bad=0
for p in run_rm run_d_wait stop exec compose_up compose_run testcontainers; do
	want=$OTHER
	[ "$p" = run_rm ] && want=$ROUNDS
	line=$(grep -m1 "^RESULT $p " <<<"$out" || true)
	rounds=$(sed -n 's/.* rounds=\([0-9]*\).*/\1/p' <<<"$line")
	failures=$(sed -n 's/.* failures=\([0-9]*\).*/\1/p' <<<"$line")
	echo "SUMMARY $CASE $p rounds=${rounds:-0} failures=${failures:-none}"
	if [ "${rounds:-0}" != "$want" ] || [ "${failures:-x}" != 0 ]; then
		echo "FAIL: $CASE $p: ${line:-no result} (want rounds=$want failures=0)" >&2
		bad=1
	else
		ok "$CASE $p: $want rounds, the tree was the pod's ($owner), readable and deletable when the call returned"
	fi
done
assert_contains "$out" "LEFT containers=0" "no container left"
# The hand-backs the gateway did before it answered a client ("on": the
# call).  Those after a container's death event ("died", or none: the
# event watcher) may race with the job deleting the tree and count the
# vanished entries as failed.
answered=$(grep '"msg":"handed files back' <<<"$log" | grep '"on":"' | grep -v '"on":"died"' || true)
if grep -q '"failed":"[1-9]' <<<"$answered"; then
	grep '"failed":"[1-9]' <<<"$answered" | head -n 3 >&2
	fail "the gateway could not hand back some entries (a group or user of the tree not mapped?)"
fi
ok "no hand-back before an answer failed on an entry"
if grep -q '"msg":"hand-back failed' <<<"$log"; then
	grep '"msg":"hand-back failed' <<<"$log" | head -n 3 >&2
	fail "the sidecar logged a hand-back that failed"
fi
[ "$bad" = 0 ] || fail "$CASE: some rounds found the tree not handed back when the docker call returned"
