#!/usr/bin/env python3
"""Apply the [[runners.kubernetes.pod_spec]] entries of a runner config to a job Pod,
the way gitlab-runner does (executors/kubernetes applyPodSpecMerge), using
`kubectl patch --local`.

    apply_pod_spec.py --kubectl KUBECTL --toml CONFIG.toml --pod POD.yaml [--output yaml|json]

The runner patches the PodSpec; kubectl patches a Pod, so each patch is wrapped
in {"spec": ...} (strategic, merge) or gets "/spec" in front of its paths (json).
Entries are applied in file order, and only when FF_USE_ADVANCED_POD_SPEC_CONFIGURATION
is true in [runners.feature_flags], like the runner. Prints the merged Pod.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib


def fail(msg):
    print(f"apply_pod_spec: {msg}", file=sys.stderr)
    sys.exit(1)


def wrap_yaml_under_spec(text):
    # YAML (or JSON, which is YAML) patch text -> the same under a `spec:` key.
    lines = text.strip("\n").splitlines()
    return "spec:\n" + "".join(f"  {line}\n" for line in lines)


def json_patch_under_spec(text, name):
    try:
        ops = json.loads(text)
    except json.JSONDecodeError as e:
        fail(f"pod_spec {name!r}: a json patch must be JSON here ({e})")
    if not isinstance(ops, list):
        fail(f"pod_spec {name!r}: a json patch must be a list of operations")
    for op in ops:
        for key in ("path", "from"):
            if key in op:
                op[key] = "/spec" + op[key]
    return json.dumps(ops)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--toml", required=True)
    ap.add_argument("--pod", required=True)
    ap.add_argument("--output", default="yaml", choices=["yaml", "json"])
    a = ap.parse_args()

    with open(a.toml, "rb") as f:
        try:
            cfg = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            fail(f"{a.toml} is not valid TOML: {e}")
    runners = cfg.get("runners", [])
    if len(runners) != 1:
        fail(f"{a.toml}: expected exactly one [[runners]] section, found {len(runners)}")
    r = runners[0]
    flag = r.get("feature_flags", {}).get("FF_USE_ADVANCED_POD_SPEC_CONFIGURATION")
    entries = r.get("kubernetes", {}).get("pod_spec", [])
    if flag is not True:
        print("apply_pod_spec: FF_USE_ADVANCED_POD_SPEC_CONFIGURATION is not true: "
              "the runner would ignore every pod_spec entry", file=sys.stderr)
        entries = []

    with tempfile.TemporaryDirectory() as tmp:
        current = a.pod
        for i, e in enumerate(entries):
            name = e.get("name", f"#{i}")
            if "patch_path" in e:
                fail(f"pod_spec {name!r}: patch_path is not supported by this tool")
            ptype = e.get("patch_type") or "strategic"
            if ptype not in ("strategic", "merge", "json"):
                fail(f"pod_spec {name!r}: unsupported patch type {ptype!r} (the runner fails the same way)")
            text = e.get("patch", "")
            body = json_patch_under_spec(text, name) if ptype == "json" else wrap_yaml_under_spec(text)
            pfile = os.path.join(tmp, f"patch-{i}")
            with open(pfile, "w") as f:
                f.write(body)
            out = os.path.join(tmp, f"pod-{i}.yaml")
            last = i == len(entries) - 1
            fmt = a.output if last else "yaml"
            res = subprocess.run(
                [a.kubectl, "patch", "--local", "-f", current, f"--type={ptype}",
                 "--patch-file", pfile, "-o", fmt],
                capture_output=True, text=True)
            if res.returncode != 0:
                fail(f"kubectl patch with pod_spec {name!r} ({ptype}) failed:\n{res.stderr}")
            with open(out, "w") as f:
                f.write(res.stdout)
            current = out
        if not entries:
            res = subprocess.run([a.kubectl, "patch", "--local", "-f", current, "--type=merge",
                                  "-p", "{}", "-o", a.output], capture_output=True, text=True)
            if res.returncode != 0:
                fail(f"kubectl could not read {a.pod}:\n{res.stderr}")
            sys.stdout.write(res.stdout)
        else:
            with open(current) as f:
                sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
