# shellcheck shell=sh
# Malformed requests, huge heads, slow clients and clients that vanish
# mid-stream; none may stop the gateway serving others.  Also pipelining,
# chunked request bodies, and the engine wait.  Uses python3 for raw sockets.
# shellcheck source=prelude.sh
. ./prelude.sh
python3 - <<'PY'
import socket, time, threading, json, os, subprocess

GW = "/tmp/gw.sock"

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(GW)
    s.settimeout(30)
    return s

def exchange(raw, read_all=True):
    s = conn()
    s.sendall(raw)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if not read_all and b"\r\n\r\n" in out:
                break
    except socket.timeout:
        out += b"<timeout>"
    s.close()
    return out

def ping_ok():
    return exchange(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n").endswith(b"OK")

def status(resp):
    return resp.split(b"\r\n", 1)[0].decode(errors="replace")

cases = {
    "obs-fold": b"GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\r\n b\r\n\r\n",
    "dup-cl": b"POST /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
    "cl-te": b"POST /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "bare-lf": b"GET /_ping HTTP/1.1\nHost: d\n\n",
    "bad-te": b"POST /_ping HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: gzip\r\n\r\n",
    "no-host": b"GET /_ping HTTP/1.1\r\n\r\n",
    "nul": b"GET /_ping HTTP/1.1\r\nHost: d\x00\r\n\r\n",
    "garbage": os.urandom(512).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n\r\n",
    "huge-header": b"GET /_ping HTTP/1.1\r\nHost: d\r\nX: " + b"a" * 70000 + b"\r\n\r\n",
    "many-headers": b"GET /_ping HTTP/1.1\r\nHost: d\r\n" + b"".join(b"X%d: y\r\n" % i for i in range(150)) + b"\r\n",
}
for name, raw in cases.items():
    r = exchange(raw)
    print("MARK %s: %s | %s" % (name, status(r), r.split(b"\r\n\r\n", 1)[-1][:200].decode(errors="replace")))

# Pipelining: two requests in one write, two answers in order.
r = exchange(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET /version HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
print("MARK pipelined: %d answers, version=%s" % (r.count(b"HTTP/1.1 200"), b'"ApiVersion"' in r))

# A chunked request body (docker load of a bad tar): framing passes through.
r = exchange(b"POST /images/load HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-tar\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
print("MARK chunked-body: %s" % status(r))

# Slow clients: one sends half a head and stalls, one trickles a byte a
# second; others are served meanwhile; the stalled one gets 408.
stalled = conn(); stalled.sendall(b"GET /_ping HTTP/1.1\r\nHo")
trickle = conn()
def trickle_run():
    try:
        for b in b"GET /_ping HTTP/1.1\r\n":
            trickle.sendall(bytes([b])); time.sleep(0.2)
    except OSError:
        pass
t = threading.Thread(target=trickle_run); t.start()
t0 = time.time(); oks = sum(ping_ok() for _ in range(50)); dt = time.time() - t0
print("MARK slow-others: %d/50 pings in %.2fs" % (oks, dt))
stalled.settimeout(10)
try:
    r = stalled.recv(4096)
except socket.timeout:
    r = b"<no answer>"
print("MARK slow-408: %s" % status(r))
t.join()

# Many idle connections at once do not block new ones.
idle = [conn() for _ in range(200)]
print("MARK idle-200: ping %s" % ping_ok())
for s in idle: s.close()

# Clients that vanish mid-stream: a big upload cut off, a logs -f dropped,
# an attach dropped.
cid = subprocess.run(["docker", "run", "-d", "podsock.test/busybox", "sh", "-c",
                      "while true; do echo tick; sleep 0.1; done"],
                     capture_output=True, text=True).stdout.strip()
s = conn()
s.sendall(b"POST /images/load HTTP/1.1\r\nHost: d\r\nContent-Length: 100000000\r\n\r\n" + b"\0" * 1000000)
s.close()
for path in (b"/containers/%s/logs?follow=1&stdout=1" % cid.encode(),
             b"/containers/%s/attach?stream=1&stdout=1" % cid.encode()):
    s = conn()
    s.sendall(b"%s %s HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % (b"POST" if b"attach" in path else b"GET", path))
    time.sleep(0.5)
    got = s.recv(65536)
    s.close()
    print("MARK vanish-%s: got %d bytes, then ping %s" % (path.split(b"/")[3].split(b"?")[0].decode(), len(got), ping_ok()))
subprocess.run(["docker", "rm", "-f", cid], capture_output=True)
time.sleep(1)
# No connection threads left behind by the vanished clients.
n = len(os.listdir("/proc/%s/task" % os.environ["GW_PID"]))
print("MARK threads-after: %d" % n)
PY

# Expect: 100-continue (curl sends it for bodies over 1 MiB): no 1 s stall.
head -c 2M /dev/zero >zeros
echo "MARK expect-continue: $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H 'Expect: 100-continue' \
	-H 'Content-Type: application/x-tar' --data-binary @zeros --unix-socket /tmp/gw.sock http://d/images/load)"

# The engine wait: no engine at all -> a JSON error after --wait seconds.
./gatewayd --listen /tmp/gw2.sock --engine /tmp/none.sock --wait 2 2>/dev/null &
sleep 0.3
t0=$(date +%s%N)
echo "MARK no-engine: $(curl -s -w ' %{http_code}' --unix-socket /tmp/gw2.sock http://d/_ping)"
echo "MARK no-engine-ms: $((($(date +%s%N) - t0) / 1000000))"
# A detection report says no engine can run: its reason is the answer.
./gatewayd --listen /tmp/gw3.sock --engine /sockets/podman.sock \
	--unavailable 'user namespaces are disabled (kernel.unprivileged_userns_clone=0); set it to 1' 2>/dev/null &
sleep 0.3
echo "MARK unavailable: $(docker -H unix:///tmp/gw3.sock ps 2>&1)"
# The engine comes up late: the request waits and then goes through.
./gatewayd --listen /tmp/gw4.sock --engine /tmp/late.sock --wait 20 2>/dev/null &
sleep 0.3
cat >fwd.py <<'PY'
import socket, threading, os
try: os.unlink("/tmp/late.sock")
except FileNotFoundError: pass
l = socket.socket(socket.AF_UNIX); l.bind("/tmp/late.sock"); l.listen(16)
def pipe(a, b):
    while True:
        d = a.recv(65536)
        if not d: break
        b.sendall(d)
    b.shutdown(socket.SHUT_WR)
while True:
    c, _ = l.accept(); e = socket.socket(socket.AF_UNIX); e.connect("/sockets/podman.sock")
    threading.Thread(target=pipe, args=(c, e), daemon=True).start()
    threading.Thread(target=pipe, args=(e, c), daemon=True).start()
PY
(sleep 2; exec python3 fwd.py) &
FWD=$!
t0=$(date +%s)
echo "MARK late-engine: $(docker -H unix:///tmp/gw4.sock version --format '{{.Server.APIVersion}}' 2>&1) after $(($(date +%s) - t0))s"
# The engine restarts: requests in the gap wait, then go through.
kill "$FWD"
sleep 0.5
(sleep 2; exec python3 fwd.py) &
t0=$(date +%s)
echo "MARK restarted-engine: $(docker -H unix:///tmp/gw4.sock version --format '{{.Server.APIVersion}}' 2>&1) after $(($(date +%s) - t0))s"
