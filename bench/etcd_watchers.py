#!/usr/bin/env python3
# Watch-only clients for bench/etcd_convergence.sh: N streams, each the
# request an agent's watch sends (POST /v3/watch on etcd's gateway, the
# prefix /vxnet/ from revision REV + 1, one HTTP/1.1 connection each), read
# and thrown away as fast as they come, so that etcd serves N watchers as
# it would N agents. Runs until SIGTERM or SECONDS pass, then prints
# "watchers: N streams created, events per stream min/median/max" (events
# counted by a substring of each read: a close count, not an exact one).
# Usage: etcd_watchers.py N HOST PORT REV SECONDS
import base64, json, resource, selectors, signal, socket, sys, time

n, host, port, rev, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
b64 = lambda s: base64.b64encode(s.encode()).decode()
body = json.dumps({"create_request": {"key": b64("/vxnet/"), "range_end": b64("/vxnet0"),
                                      "start_revision": str(rev + 1)}})
req = ("POST /v3/watch HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
       "Content-Length: %d\r\n\r\n%s" % (host, port, len(body), body)).encode()
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
seen = {}
for i in range(n):
    s = socket.create_connection((host, port))
    s.sendall(req)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, i)
    seen[i] = [0, 0]  # [created, events], counted by substring: enough for a load
end = time.time() + secs
def stop(*_):
    global end
    end = 0
signal.signal(signal.SIGTERM, stop)
print("watchers: %d streams open" % n, flush=True)
while time.time() < end:
    for key, _ in sel.select(timeout=0.5):
        try:
            d = key.fileobj.recv(262144)
        except BlockingIOError:
            continue
        if not d:
            sel.unregister(key.fileobj)
            continue
        seen[key.data][0] |= b'"created":true' in d
        seen[key.data][1] += d.count(b'"kv"')
ev = sorted(v[1] for v in seen.values())
print("watchers: %d streams created, events per stream min %d, median %d, max %d" %
      (sum(v[0] for v in seen.values()), ev[0], ev[len(ev) // 2], ev[-1]), flush=True)
