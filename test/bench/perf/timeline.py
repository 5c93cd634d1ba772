"""Merge the timeline sources of test/bench/perf/timeline into one list,
in ms from the start mark: OUT_DIR OFFSET(realtime-monotonic s) ROOT_PID."""
import json, re, sys
from datetime import datetime

out, offset, root = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t0 = int(open(f"{out}/mark.start").read()) / 1e9
t1 = int(open(f"{out}/mark.end").read()) / 1e9
ev = []

# perf: descendants of ROOT_PID only (fork events build the tree).
mine, leaders = {root}, set()
pat = re.compile(r"^\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+([\w:]+):\s*(.*)$")
fsyncs = {}
for line in open(f"{out}/perf.txt"):
    m = pat.match(line)
    if not m:
        continue
    comm, pid, tid, ts, name, rest = m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4)) + offset, m.group(5), m.group(6)
    if name.endswith("sched_process_fork"):
        c = re.search(r"child_pid=(\d+)", rest)
        if pid in mine and c:
            mine.add(int(c.group(1)))
        continue
    if pid not in mine or not (t0 - 0.05 <= ts <= t1 + 0.05):
        continue
    if name.endswith("sched_process_exec"):
        f = re.search(r"filename=(\S+)", rest).group(1)
        leaders.add(pid)
        ev.append((ts, "exec", f"pid {pid} exec {f}"))
    elif name.endswith("sched_process_exit") and pid == tid and pid in leaders:
        ev.append((ts, "exit", f"pid {pid} ({comm}) exits"))
    elif "sync" in name:
        fsyncs.setdefault(comm, 0)
        fsyncs[comm] += 1
        ev.append((ts, "fsync", f"{comm} {pid} {name.split('sys_enter_')[-1]}"))

# The docker CLI: requests written and answers read.
for line in open(f"{out}/cli.strace"):
    p = line.split(None, 2)
    if len(p) < 3:
        continue
    ts, call = float(p[1]), p[2]
    m = re.match(r'write\(\d+, "((?:GET|POST|HEAD|DELETE|PUT) [^ ]+)', call)
    if m:
        path = re.sub(r"[0-9a-f]{64}", "<id>", m.group(1))
        ev.append((ts, "cli", f"CLI sends {path}"))
        continue
    m = re.match(r'read\(\d+, "(HTTP/1.1 \d+[^\\]*)', call)
    if m:
        ev.append((ts, "cli", f"CLI reads {m.group(1)}"))
    elif call.startswith("exit_group") and p[0] == open(f"{out}/cli.strace").readline().split()[0]:
        ev.append((ts, "cli", "CLI exits"))
    elif call.startswith("connect(") and "podman.sock" in call:
        ev.append((ts, "cli", "CLI connects"))

# podman's debug log as the sidecar stamped it (ms).
for line in open(f"{out}/sidecar.log"):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("source") != "podman":
        continue
    ts = datetime.strptime(j["time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() - 0  # UTC
    ts = (datetime.strptime(j["time"], "%Y-%m-%dT%H:%M:%S.%fZ") - datetime(1970, 1, 1)).total_seconds()
    if not (t0 - 0.05 <= ts <= t1 + 0.05):
        continue
    msg = j["msg"]
    m = re.search(r'msg="(.*?)"(?: |$)', msg)
    msg = m.group(1) if m else msg
    if "IdleTracker" in msg:
        continue
    ev.append((ts, "podman", re.sub(r"[0-9a-f]{64}", "<id>", msg)[:150]))

for ts, kind, text in sorted(ev):
    print(f"{(ts - t0) * 1000:8.1f} ms  {kind:6} {text}")
print(f"total (start mark to end mark): {(t1 - t0) * 1000:.1f} ms; fsyncs by command: {fsyncs}")
