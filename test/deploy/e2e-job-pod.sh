#!/usr/bin/env bash
# End to end: the job pod the chart makes (test/deploy/render-job-pod
# standard: the runner's pod with the chart's pod_spec patches) run as a
# kubelet runs it, by test/deploy/run-job-pod with the outer root podman, and
# a job in its build container that runs `docker run -v "$CI_PROJECT_DIR:/w"`
# through the socket.
#
#   1. bad input to run-job-pod: each is refused with exit 2 (1 for a
#      missing image / a root user under runAsNonRoot) and a message naming
#      the field, before anything starts;
#   2. the image built or reused (test/image/lib.sh image_ensure);
#   3. the pod: volumes, sandbox, init containers in order, the native
#      sidecar and its startupProbe, the build and helper containers; all
#      from the rendered YAML, the ConfigMap from `helm template`;
#   4. the job: docker import of busybox, docker run with the project
#      directory bind-mounted, writes /w/out; the job reads and deletes it as
#      the build container's user;
#   5. what run-job-pod started (podman inspect) equals the YAML: the podsock
#      containers' command, user, capabilities, security options, env and
#      mounts; the sidecar exited 0 on SIGTERM.
#
# Exit 77 only when this machine cannot run a part (no root, helm/kubectl
# missing, no cgroup2 in a private mount namespace), with the reason.
# shellcheck source=../common/lib.sh
. "$(dirname "$0")/../common/lib.sh"
need_root
command -v podman >/dev/null || fail "podman is missing: run scripts/bootstrap"
command -v docker >/dev/null || fail "the docker CLI is missing: run scripts/bootstrap (package docker.io)"
command -v python3 >/dev/null || fail "python3 is missing: run scripts/bootstrap"
for t in helm kubectl; do
	[ -x "${TOP}/.tools/bin/$t" ] || skip "$t is not installed: run scripts/install-k8s-tools"
done
need_images
# shellcheck source=../image/lib.sh
. "$TOP/test/image/lib.sh"

DEPLOY=$TOP/test/deploy
RUN_POD=$DEPLOY/run-job-pod
NAME=podsock-jobpod-$$

step() {
	echo "--- $*"
}

if [ "${1:-}" != __inner ]; then
	image_ensure
	# As test/image/e2e.sh: a private mount namespace with a cgroup2-only
	# /sys/fs/cgroup for the outer podman (exec skips lib.sh's EXIT trap:
	# the inner run makes its own WORK).
	rm -rf "$WORK"
	exec unshare --mount --propagation private -- bash "$0" __inner
fi

# ---------------------------------------------------------------- inside ---
outer_podman_setup
cleanup() {
	# run-job-pod removes what it started; this is for a run killed before.
	"${pm[@]}" ps -a -q --filter "name=^$NAME-" 2>/dev/null | xargs -r "${pm[@]}" rm -f -t 0 >/dev/null 2>&1 || true
	grep -o "$WORK/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | xargs -r -n 1 umount -l 2>/dev/null || true
	umount -l "$IMAGE_STORE/run" 2>/dev/null || true
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

step "rendering the standard mode job pod and the chart's ConfigMap"
OUTPUT=json "$DEPLOY/render-job-pod" standard >"$WORK/pod.json" || fail "render-job-pod standard failed"
"$TOP/.tools/bin/helm" template podsock "$TOP/deploy/helm/podsock" --namespace gitlab-runner \
	--set securityMode=standard --show-only templates/podsock-config.yaml |
	"$TOP/.tools/bin/kubectl" patch --local -f - --type merge -p '{}' -o json >"$WORK/configmaps.json" ||
	fail "rendering the podsock-config ConfigMap failed"
ok "pod and ConfigMap rendered ($(wc -c <"$WORK/pod.json") bytes of pod JSON)"

# pod_edit PYTHON-EXPR OUT: a copy of the pod with one change (p is the pod).
pod_edit() {
	python3 - "$WORK/pod.json" "$2" "$1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
init = {c["name"]: c for c in p["spec"]["initContainers"]}
exec(sys.argv[3])
json.dump(p, open(sys.argv[2], "w"))
PY
}

project_dir=$(python3 -c '
import json, sys
b = [c for c in json.load(open(sys.argv[1]))["spec"]["containers"] if c["name"] == "build"][0]
print([e["value"] for e in b["env"] if e["name"] == "CI_PROJECT_DIR"][0])' "$WORK/pod.json")
[[ "$project_dir" == /builds/* ]] || fail "CI_PROJECT_DIR of the build container is '$project_dir', not under /builds"

cat >"$WORK/job.sh" <<'JOB'
set -eu
# The runner's job script sets umask 0000 (FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR=false).
umask 0000
cd "$CI_PROJECT_DIR"
echo "job: uid $(id -u) gid $(id -g) groups $(id -G) in $(pwd), DOCKER_HOST=$DOCKER_HOST"
docker version --format 'server {{.Server.Version}} api {{.Server.APIVersion}}'
docker import busybox.tar podsock.test/busybox:latest >/dev/null
docker run --rm -v "$CI_PROJECT_DIR:/w" podsock.test/busybox sh -c 'echo hi > /w/out'
echo "out: $(cat "$CI_PROJECT_DIR/out") (owner $(stat -c %u:%g "$CI_PROJECT_DIR/out"))"
rm "$CI_PROJECT_DIR/out"
[ ! -e "$CI_PROJECT_DIR/out" ] && echo "out deleted by uid $(id -u)"
JOB

run_pod() { # POD-JSON [OPTION...]
	"$RUN_POD" --pod "$1" --workdir "$WORK/run" --job "$WORK/job.sh" \
		--podman "${pm[*]}" --name "$NAME" "${@:2}"
}

# -------------------------------------------------------------- bad input ---
step "bad input: refused with the field named, nothing started"
bad() { # WHAT STATUS NEEDLE POD-JSON [OPTION...]
	local what=$1 status=$2 needle=$3
	shift 3
	run_expect "$status" run_pod "$@"
	assert_contains "$OUT" "$needle" "$what: exit $status, '$needle'"
}
echo '{"kind": "Pod",' >"$WORK/bad-json"
bad "pod that is not JSON" 2 "is not JSON" "$WORK/bad-json" --configmaps "$WORK/configmaps.json"
pod_edit 'p["kind"] = "Deployment"' "$WORK/bad-kind"
bad "an object that is not a Pod" 2 "not a v1 Pod" "$WORK/bad-kind" --configmaps "$WORK/configmaps.json"
bad "no ConfigMap for the configMap volume" 2 "configMap 'podsock-config' is not in --configmaps" "$WORK/pod.json"
pod_edit 'p["spec"]["volumes"].append({"name": "host", "hostPath": {"path": "/"}})' "$WORK/bad-vol"
bad "an unsupported volume type" 2 "spec.volumes[host]: volume type ['hostPath']" "$WORK/bad-vol" --configmaps "$WORK/configmaps.json"
pod_edit 'init["podsock-sidecar"]["volumeMounts"][-1]["subPath"] = "../../etc"' "$WORK/bad-subpath"
bad "a subPath leaving its volume" 2 "subPath '../../etc' must be relative" "$WORK/bad-subpath" --configmaps "$WORK/configmaps.json"
pod_edit 'p["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = "lots"' "$WORK/bad-size"
bad "a sizeLimit that is not a quantity" 2 "'lots' is not a quantity" "$WORK/bad-size" --configmaps "$WORK/configmaps.json"
bad "a job container that does not exist" 2 "--job-container nope: no such container" "$WORK/pod.json" --configmaps "$WORK/configmaps.json" --job-container nope
bad "a copy-in into no volume" 2 "with a volume of the pod" "$WORK/pod.json" --configmaps "$WORK/configmaps.json" --copy-in "$IMAGES/busybox.tar:novolume/x"
pod_edit 'init["podsock-sidecar"]["securityContext"]["runAsUser"] = 0' "$WORK/bad-root"
bad "runAsNonRoot with runAsUser 0" 1 "would run as root" "$WORK/bad-root" --configmaps "$WORK/configmaps.json"
pod_edit 'init["podsock-init"]["image"] = "localhost/podsock:0.0.0-missing"' "$WORK/bad-image"
bad "a podsock image not in the store" 1 "build it with scripts/build-image" "$WORK/bad-image" --configmaps "$WORK/configmaps.json"
left=$("${pm[@]}" ps -a -q --filter "name=^$NAME-")
[ -z "$left" ] || fail "a refused run left containers behind: $left"
ok "no container left behind by the refused runs"

# ---------------------------------------------------------------- the pod ---
step "the pod, run by run-job-pod"
rc=0
start=$SECONDS
run_pod "$WORK/pod.json" --configmaps "$WORK/configmaps.json" --inspect-out "$WORK/inspect.json" \
	--copy-in "$IMAGES/busybox.tar:repo/${project_dir#/builds/}/busybox.tar" >"$WORK/run.log" 2>&1 || rc=$?
cat "$WORK/run.log"
OUT=$(cat "$WORK/run.log")
[ "$rc" = 0 ] || fail "run-job-pod exited $rc (output above)"
ok "run-job-pod exited 0 in $((SECONDS - start)) s"

assert_contains "$OUT" "substituted: image alpine:3.20 -> " "the build image is substituted, and it says so"
assert_contains "$OUT" "substituted: image registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper" "the helper image (init-permissions, helper) is substituted, and it says so"
assert_contains "$OUT" "not applied: spec.initContainers[podsock-sidecar].resources:" "unenforced limits are named"
assert_contains "$OUT" "init container podsock-init exited 0" "podsock-init ran to completion"
assert_contains "$OUT" "init container init-permissions exited 0" "the runner's init-permissions ran"
order=$(grep -oE '^run-job-pod: (init container|sidecar|container) [a-z-]+' "$WORK/run.log" | awk '{print $NF}' | awk '!seen[$0]++' | tr '\n' ' ')
[ "$order" = "podsock-init podsock-sidecar init-permissions helper build " ] ||
	fail "start order is '$order', expected podsock-init podsock-sidecar init-permissions helper build"
ok "start order: $order"
assert_contains "$OUT" "podsock-sidecar startupProbe podsock-probe ready --timeout 1000 passed" "the sidecar's startupProbe (from the YAML) passed"
assert_contains "$OUT" "podsock-sidecar readinessProbe podsock-probe ready: passed" "the readinessProbe passed"
assert_contains "$OUT" "server " "docker version reached the engine through the socket"
assert_contains "$OUT" "out: hi" "the nested container wrote \$CI_PROJECT_DIR/out through the bind mount, the job read it"
assert_contains "$OUT" "out deleted by uid" "the build user deleted it"
assert_contains "$OUT" "sidecar podsock-sidecar stopped (SIGTERM, grace 30 s): exit code 0" "the sidecar exited 0 on pod deletion"

# ---------------------------------------------------- what was started ---
step "what run-job-pod started equals the YAML"
python3 - "$WORK/pod.json" "$WORK/inspect.json" "$WORK/run/volumes" <<'PY' || fail "podman inspect differs from the YAML (above)"
import json, sys

pod = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))["containers"]
vols = sys.argv[3]
spec = pod["spec"]
fsgroup = spec["securityContext"]["fsGroup"]
bad = 0


def check(name, what, want, have):
    global bad
    if want == have:
        print(f"ok: {name}: {what} = {want}")
    else:
        bad += 1
        print(f"FAIL: {name}: {what}: YAML {want!r}, podman {have!r}")


for c in spec["initContainers"]:
    if not c["image"].startswith("localhost/podsock:"):
        continue
    n = c["name"]
    i = got[n]
    sc = c["securityContext"]
    check(n, "image", c["image"], i["ImageName"])
    check(n, "command", c["command"] + c.get("args", []), [i["Path"]] + i["Args"])
    check(n, "user", f"{sc['runAsUser']}:{sc['runAsGroup']}", i["Config"]["User"])
    check(n, "supplementary groups (fsGroup)", [str(fsgroup)], i["HostConfig"]["GroupAdd"])
    want_caps = sorted("CAP_" + x for x in sc["capabilities"].get("add", []))
    check(n, "bounding capabilities", want_caps, sorted(i["BoundingCaps"] or []))
    check(n, "read-only root", sc["readOnlyRootFilesystem"], i["HostConfig"]["ReadonlyRootfs"])
    opts = i["HostConfig"]["SecurityOpt"] or []
    check(n, "no-new-privileges", sc["allowPrivilegeEscalation"] is False,
          any(o.startswith("no-new-privileges") for o in opts))
    check(n, "seccomp unconfined", sc["seccompProfile"]["type"] == "Unconfined", "seccomp=unconfined" in opts)
    check(n, "apparmor unconfined", sc.get("appArmorProfile", {}).get("type") == "Unconfined",
          "apparmor=unconfined" in opts)
    env = dict(e.split("=", 1) for e in i["Config"]["Env"])
    check(n, "env", {e["name"]: e["value"] for e in c.get("env", [])},
          {e["name"]: env.get(e["name"]) for e in c.get("env", [])})
    want_m = sorted((m["mountPath"], "/".join(x for x in (vols, m["name"], m.get("subPath")) if x),
                     not m.get("readOnly", False)) for m in c["volumeMounts"])
    have_m = sorted((m["Destination"], m["Source"], m["RW"]) for m in i["Mounts"])
    check(n, "mounts (path, volume[/subPath], rw)", want_m, have_m)
sys.exit(1 if bad else 0)
PY
ok "the podsock containers' command, user, capabilities, security options, env and mounts are the YAML's"
