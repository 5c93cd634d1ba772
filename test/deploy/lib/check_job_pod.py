#!/usr/bin/env python3
"""Check a merged job Pod (JSON, from render-job-pod with OUTPUT=json) against
what podsock's pod_spec patch must produce, and against the runner's original
pod (the fixture, JSON) for what it must leave alone.

    check_job_pod.py --pod MERGED.json --original FIXTURE.json --mode MODE [options]

Prints "ok: ..." / "FAIL: ..." per check; exits 1 if any check failed.
"""
import argparse
import json
import sys

SOCKET = "/sockets/podman.sock"
STORAGE = "/var/lib/podsock/storage"

results = []


def check(cond, what, detail=""):
    results.append(bool(cond))
    if cond:
        print(f"ok: {what}")
    else:
        print(f"FAIL: {what}" + (f"\n    {detail}" if detail else ""), file=sys.stderr)


def by_name(items):
    return {i["name"]: i for i in items or []}


def env_of(c):
    return {e["name"]: e.get("value") for e in c.get("env", [])}


def mounts_of(c):
    return {m["mountPath"]: m for m in c.get("volumeMounts", [])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pod", required=True)
    ap.add_argument("--original", required=True)
    ap.add_argument("--mode", required=True, choices=["standard", "userns", "openshift"])
    ap.add_argument("--builds", default="/builds")
    ap.add_argument("--run-as", type=int, default=1500)
    ap.add_argument("--fs-group", type=int, default=1500)
    ap.add_argument("--storage-size", default="20Gi")
    ap.add_argument("--pvc", default="")
    ap.add_argument("--storage-shared", default="none", choices=["none", "reader", "writer"],
                    help="storage.shared: PODSOCK_STORAGE_SHARED and POD_NAME on podsock-init and the sidecar")
    ap.add_argument("--device-resource", action="append", default=[], help="NAME=COUNT in the sidecar's limits")
    ap.add_argument("--build-env", action="append", default=[], help="NAME=VALUE expected in build")
    ap.add_argument("--sidecar-env", action="append", default=[], help="NAME=VALUE expected in the sidecar")
    ap.add_argument("--buildkit", action="store_true", help="DOCKER_BUILDKIT must not be set (disableBuildKit=false)")
    ap.add_argument("--toleration-key", default="")
    ap.add_argument("--grace", type=int, default=None, help="expected terminationGracePeriodSeconds")
    a = ap.parse_args()

    pod = json.load(open(a.pod))
    orig = json.load(open(a.original))
    spec, ospec = pod["spec"], orig["spec"]
    inits, oinits = by_name(spec.get("initContainers")), by_name(ospec.get("initContainers"))
    ctrs, octrs = by_name(spec["containers"]), by_name(ospec["containers"])
    vols = by_name(spec.get("volumes"))

    # --- order: what kubectl's strategic merge (apimachinery) does
    order = [c["name"] for c in spec.get("initContainers", [])]
    check(order == ["podsock-init", "podsock-sidecar", "init-permissions"],
          "initContainers order is podsock-init, podsock-sidecar, init-permissions "
          "(patch-added items land before the runner's init-permissions)", f"got {order}")
    corder = [c["name"] for c in spec["containers"]]
    check(corder == [c["name"] for c in ospec["containers"]], f"containers keep the runner's order {corder}")

    init, side = inits.get("podsock-init", {}), inits.get("podsock-sidecar", {})
    image = side.get("image", "")

    # --- the init container
    check(init.get("command") == ["podsock-init", "--socket-dir", "/sockets", "--storage", STORAGE,
                                  "--ids-out", "/podsock-ids", "--builds", a.builds],
          "podsock-init command", f"got {init.get('command')}")
    check("restartPolicy" not in init, "podsock-init is a plain init container (no restartPolicy)")
    im = mounts_of(init)
    for path, vol in {"/sockets": "podsock-socket", STORAGE: "podsock-storage",
                      "/podsock-ids": "podsock-ids", a.builds: "repo"}.items():
        check(im.get(path, {}).get("name") == vol, f"podsock-init mounts {vol} at {path}")

    # --- the native sidecar
    check(side.get("restartPolicy") == "Always", "podsock-sidecar is a native sidecar (restartPolicy: Always)")
    check(side.get("command") == ["podsock-sidecar", "--socket", SOCKET, "--storage", STORAGE,
                                  "--config", "/etc/podsock/podsock.yaml"],
          "podsock-sidecar command", f"got {side.get('command')}")
    check(init.get("image") == image and image, f"both podsock containers run {image}")
    sp, rp, lp = side.get("startupProbe", {}), side.get("readinessProbe", {}), side.get("livenessProbe", {})
    check(sp.get("exec", {}).get("command") == ["podsock-probe", "ready", "--timeout", "1000"]
          and sp.get("periodSeconds") == 1 and sp.get("failureThreshold") == 120,
          "startupProbe: podsock-probe ready --timeout 1000, every 1 s, 120 tries", f"got {sp}")
    check(rp.get("exec", {}).get("command") == ["podsock-probe", "ready"] and rp.get("periodSeconds") == 10,
          "readinessProbe: podsock-probe ready, every 10 s", f"got {rp}")
    check(lp.get("exec", {}).get("command") == ["podsock-probe", "live"] and lp.get("periodSeconds") == 20
          and lp.get("failureThreshold") == 3, "livenessProbe: podsock-probe live, every 20 s, 3 tries", f"got {lp}")
    se = env_of(side)
    check(se.get("PODSOCK_SOCKET") == SOCKET, "sidecar env PODSOCK_SOCKET")
    check(se.get("XDG_RUNTIME_DIR") == "/run/podsock" and se.get("HOME") == "/home/podsock",
          "sidecar env XDG_RUNTIME_DIR=/run/podsock HOME=/home/podsock")
    for kv in a.sidecar_env:
        k, v = kv.split("=", 1)
        check(se.get(k) == v, f"sidecar env {k}={v}")
    sm = mounts_of(side)
    want = {"/sockets": "podsock-socket", STORAGE: "podsock-storage", "/etc/podsock": "podsock-config",
            "/run/podsock": "podsock-run", "/tmp": "podsock-tmp", "/var/tmp": "podsock-var-tmp",
            "/home/podsock": "podsock-home", a.builds: "repo"}
    if a.mode == "userns":
        want.update({"/run": "podsock-root-run", "/var/cache": "podsock-var-cache"})
    for path, vol in want.items():
        check(sm.get(path, {}).get("name") == vol, f"sidecar mounts {vol} at {path}")
    check(sm.get("/etc/podsock", {}).get("readOnly") is True, "sidecar config mount is read-only")
    for f in ("subuid", "subgid", "passwd", "group"):
        m = sm.get(f"/etc/{f}", {})
        check(m.get("name") == "podsock-ids" and m.get("subPath") == f and m.get("readOnly") is True,
              f"sidecar /etc/{f} from podsock-ids subPath {f}, read-only", f"got {m}")
    res = side.get("resources", {})
    check(res.get("limits", {}).get("memory") and res.get("requests", {}).get("cpu"),
          "sidecar has resources (memory limit, cpu request)", f"got {res}")
    for kv in a.device_resource:
        k, v = kv.split("=", 1)
        check(str(res.get("limits", {}).get(k)) == v, f"sidecar limits {k}: {v} (device plugin)", f"got {res}")

    # --- shared cache volume (storage.shared): both containers must agree on the layout
    want_shared = {"none": None, "reader": "true", "writer": "writer"}[a.storage_shared]
    for n, c in (("podsock-init", init), ("podsock-sidecar", side)):
        env = {e["name"]: e for e in c.get("env", [])}
        if want_shared is None:
            check("PODSOCK_STORAGE_SHARED" not in env and "POD_NAME" not in env,
                  f"{n}: no PODSOCK_STORAGE_SHARED, no POD_NAME (storage.shared=none)", f"got {sorted(env)}")
            continue
        got = env.get("PODSOCK_STORAGE_SHARED", {})
        check(got.get("value") == want_shared and "valueFrom" not in got,
              f"{n} env PODSOCK_STORAGE_SHARED={want_shared} (storage.shared={a.storage_shared})", f"got {got}")
        pn = env.get("POD_NAME", {})
        check("value" not in pn and pn.get("valueFrom") == {"fieldRef": {"fieldPath": "metadata.name"}},
              f"{n} env POD_NAME from the downward API (fieldRef metadata.name)", f"got {pn}")
    if want_shared is not None:
        check("PODSOCK_STORAGE_SIZE_LIMIT" not in se, "sidecar: no PODSOCK_STORAGE_SIZE_LIMIT on a claim (the emptyDir's limit)")

    # --- security per mode
    ssc, isc, psc = side.get("securityContext", {}), init.get("securityContext", {}), spec.get("securityContext", {})
    caps = ssc.get("capabilities", {})
    check(ssc.get("privileged") is False, "sidecar is not privileged")
    check(ssc.get("allowPrivilegeEscalation") is True, "sidecar allowPrivilegeEscalation: true (newuidmap file caps)")
    check(caps.get("drop") == ["ALL"], "sidecar drops ALL capabilities", f"got {caps}")
    check(ssc.get("seccompProfile", {}).get("type") == "Unconfined", "sidecar seccomp Unconfined (user namespaces)")
    check(isc.get("allowPrivilegeEscalation") is False and isc.get("capabilities", {}).get("drop") == ["ALL"],
          "podsock-init: no privilege escalation, drops ALL", f"got {isc}")
    check(isc.get("readOnlyRootFilesystem") is True and ssc.get("readOnlyRootFilesystem") is True,
          "podsock containers have read-only root file systems")
    if a.mode == "standard":
        check("hostUsers" not in spec, "standard: no hostUsers")
        check(sorted(caps.get("add", [])) == ["SETGID", "SETUID"], "standard: sidecar adds SETUID, SETGID", f"got {caps}")
        for n, sc in (("sidecar", ssc), ("init", isc)):
            check(sc.get("runAsUser") == a.run_as and sc.get("runAsGroup") == a.run_as and sc.get("runAsNonRoot") is True,
                  f"standard: {n} runs as {a.run_as}:{a.run_as}, runAsNonRoot", f"got {sc}")
        check(psc.get("fsGroup") == a.fs_group, f"standard: pod fsGroup {a.fs_group}", f"got {psc}")
        check("procMount" not in ssc, "standard: no procMount")
    elif a.mode == "userns":
        check(spec.get("hostUsers") is False, "userns: hostUsers: false")
        check(ssc.get("procMount") == "Unmasked", "userns: sidecar procMount Unmasked")
        check(ssc.get("runAsUser") == 0 and isc.get("runAsUser") == 0, "userns: podsock containers run as 0 in the pod's user namespace")
        check("SYS_ADMIN" in caps.get("add", []) and "SETUID" in caps.get("add", []), "userns: sidecar adds SYS_ADMIN, SETUID (namespaced)", f"got {caps}")
        check(psc.get("fsGroup") == a.fs_group, f"userns: pod fsGroup {a.fs_group}")
    else:
        check("hostUsers" not in spec, "openshift: no hostUsers")
        for n, sc in (("sidecar", ssc), ("init", isc)):
            check("runAsUser" not in sc and "runAsGroup" not in sc and sc.get("runAsNonRoot") is True,
                  f"openshift: {n} sets no runAsUser/runAsGroup (SCC assigns), runAsNonRoot", f"got {sc}")
        check("fsGroup" not in psc, "openshift: no pod fsGroup (SCC assigns)", f"got {psc}")
        check(sorted(caps.get("add", [])) == ["SETGID", "SETUID"], "openshift: sidecar adds SETUID, SETGID")

    # --- the build container: socket + env added, the runner's fields kept
    b, ob = ctrs.get("build", {}), octrs["build"]
    be = env_of(b)
    for k, v in {"DOCKER_HOST": "unix://" + SOCKET, "TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE": SOCKET,
                 "TESTCONTAINERS_HOST_OVERRIDE": "localhost", "TESTCONTAINERS_RYUK_DISABLED": "true"}.items():
        check(be.get(k) == v, f"build env {k}={v}", f"got {be.get(k)!r}")
    if a.buildkit:
        check("DOCKER_BUILDKIT" not in be, "build env has no DOCKER_BUILDKIT (buildContainer.disableBuildKit=false)")
    else:
        check(be.get("DOCKER_BUILDKIT") == "0", "build env DOCKER_BUILDKIT=0 (classic build API, served by Buildah)")
    for kv in a.build_env:
        k, v = kv.split("=", 1)
        check(be.get(k) == v, f"build env {k}={v}")
    check(all(be.get(k) == v for k, v in env_of(ob).items()), "build keeps every runner env variable (CI_*, FF_*)")
    check(mounts_of(b).get("/sockets", {}).get("name") == "podsock-socket", "build mounts podsock-socket at /sockets")
    check(all(m in b.get("volumeMounts", []) for m in ob.get("volumeMounts", [])), "build keeps the runner's mounts (scripts, logs, repo)")
    check(b.get("command") == ob.get("command") and b.get("stdin") == ob.get("stdin") and b.get("image") == ob.get("image"),
          "build keeps the runner's image, command and stdin")
    check(ctrs.get("helper") == octrs["helper"], "helper container untouched")
    check(inits.get("init-permissions") == oinits["init-permissions"], "init-permissions untouched")

    # --- volumes
    sv = vols.get("podsock-socket", {})
    check(sv.get("emptyDir", {}).get("medium") == "Memory", "podsock-socket is a memory emptyDir")
    st = vols.get("podsock-storage", {})
    if a.pvc:
        check(st.get("persistentVolumeClaim", {}).get("claimName") == a.pvc and "emptyDir" not in st,
              f"podsock-storage is PVC {a.pvc}", f"got {st}")
    else:
        check(st.get("emptyDir", {}).get("sizeLimit") == a.storage_size, f"podsock-storage emptyDir sizeLimit {a.storage_size}", f"got {st}")
    check(vols.get("podsock-config", {}).get("configMap", {}).get("name") == "podsock-config", "podsock-config from ConfigMap podsock-config")
    check(vols.get("podsock-run", {}).get("emptyDir", {}).get("medium") == "Memory", "podsock-run (XDG_RUNTIME_DIR) is a memory emptyDir")
    check("emptyDir" in vols.get("podsock-ids", {}), "podsock-ids is an emptyDir")
    check(all(v in spec["volumes"] for v in ospec["volumes"]), "the runner's volumes (repo, scripts, logs) are kept")
    names = [v["name"] for v in spec["volumes"]]
    check(len(names) == len(set(names)), "no duplicate volume names", f"got {names}")
    dangling = [(c["name"], m["name"]) for c in spec["containers"] + spec.get("initContainers", [])
                for m in c.get("volumeMounts", []) if m["name"] not in vols]
    check(not dangling, "every volumeMount names a volume of the pod", f"dangling: {dangling}")
    for c in spec["containers"] + spec.get("initContainers", []):
        paths = [m["mountPath"] for m in c.get("volumeMounts", [])]
        check(len(paths) == len(set(paths)), f"{c['name']}: no mount path used twice")

    # --- pod-level fields the runner set
    for k in ("restartPolicy", "activeDeadlineSeconds", "dnsPolicy", "imagePullSecrets"):
        check(spec.get(k) == ospec.get(k), f"pod {k} kept")
    if a.toleration_key:
        check(any(t.get("key") == a.toleration_key for t in spec.get("tolerations", [])),
              f"extra strategic patch applied (toleration {a.toleration_key})")
    if a.grace is not None:
        check(spec.get("terminationGracePeriodSeconds") == a.grace, f"extra json patch applied (terminationGracePeriodSeconds {a.grace})")

    failed = results.count(False)
    print(f"{len(results)} checks, {failed} failing")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
