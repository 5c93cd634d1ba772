#!/usr/bin/env python3
"""Check a rendered [[runners]] TOML (config.template.toml or the official chart's
runners.config after its `tpl`).

    check_runner_toml.py FILE [--namespace NS|--no-namespace] [--pod-spec NAME]...
                              [--annotation KEY=VALUE]... [--same-as OTHER.toml]

--same-as: the two files must be equal once parsed, apart from kubernetes.namespace.
Prints ok/FAIL lines; exits 1 if a check failed.
"""
import argparse
import sys
import tomllib

results = []


def check(cond, what, detail=""):
    results.append(bool(cond))
    print(f"ok: {what}" if cond else f"FAIL: {what}" + (f"\n    {detail}" if detail else ""),
          file=sys.stdout if cond else sys.stderr)


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--namespace")
    ap.add_argument("--no-namespace", action="store_true")
    ap.add_argument("--builds", default="/builds")
    ap.add_argument("--pod-spec", action="append", default=[])
    ap.add_argument("--annotation", action="append", default=[])
    ap.add_argument("--no-annotations", action="store_true")
    ap.add_argument("--same-as")
    a = ap.parse_args()

    try:
        cfg = load(a.file)
    except tomllib.TOMLDecodeError as e:
        check(False, "TOML parses (python tomllib)", str(e))
        sys.exit(1)
    check(True, "TOML parses (python tomllib)")
    runners = cfg.get("runners", [])
    check(isinstance(runners, list) and len(runners) == 1, "exactly one [[runners]] section (a registration template)")
    check(set(cfg) == {"runners"}, "nothing but [[runners]] at the top level", f"got {sorted(cfg)}")
    r = runners[0]
    check(r.get("executor") == "kubernetes", "executor = kubernetes")
    check(r.get("builds_dir") == a.builds, f"builds_dir = {a.builds}")
    check(r.get("feature_flags", {}).get("FF_USE_ADVANCED_POD_SPEC_CONFIGURATION") is True,
          "[runners.feature_flags] FF_USE_ADVANCED_POD_SPEC_CONFIGURATION = true (boolean)")
    k = r.get("kubernetes", {})
    if a.no_namespace:
        check("namespace" not in k, "no [runners.kubernetes] namespace (comes from KUBERNETES_NAMESPACE at register)")
    if a.namespace is not None:
        check(k.get("namespace") == a.namespace, f"[runners.kubernetes] namespace = {a.namespace}", f"got {k.get('namespace')!r}")
    check(isinstance(k.get("poll_timeout"), int) and k["poll_timeout"] >= 180,
          "poll_timeout covers image pulls plus the sidecar's 120 s startup probe")
    specs = k.get("pod_spec", [])
    names = [s.get("name") for s in specs]
    want = ["podsock"] + a.pod_spec
    check(names == want, f"[[runners.kubernetes.pod_spec]] entries {want}", f"got {names}")
    for s in specs:
        check(s.get("patch_type", "strategic") in ("strategic", "merge", "json") and s.get("patch", "").strip(),
              f"pod_spec {s.get('name')!r}: patch_type {s.get('patch_type')!r} and a patch")
        check("patch_path" not in s, f"pod_spec {s.get('name')!r}: patch, not patch_path")
    if specs:
        check(specs[0].get("patch_type") == "strategic", "podsock's patch is strategic (merge would drop helper, json cannot address by name)")
        p = specs[0].get("patch", "")
        check(not p.lstrip().startswith("spec:"), "the patch is relative to the PodSpec (no spec: wrapper)")
    ann = k.get("pod_annotations", {})
    for kv in a.annotation:
        key, val = kv.split("=", 1)
        check(ann.get(key) == val, f"pod_annotations {key} = {val!r}", f"got {ann}")
    if a.no_annotations:
        check(not ann, "no pod_annotations", f"got {ann}")
    if a.same_as:
        other = load(a.same_as)
        for c in (cfg, other):
            c["runners"][0].get("kubernetes", {}).pop("namespace", None)
        check(cfg == other, f"same [[runners]] as {a.same_as} apart from the namespace")
    failed = results.count(False)
    print(f"{len(results)} checks, {failed} failing")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
