#!/usr/bin/env python3
# Watch-only clients for bench/etcd_convergence.sh: N watch streams on the
# prefix /vxnet/ from revision REV + 1, read and thrown away as they come,
# so that etcd serves N watchers as it would N agents.
#   gateway: each stream the request an agent's watch sends (POST /v3/watch
#            on etcd's JSON gateway, one HTTP/1.1 connection each);
#   grpc:    each stream a native gRPC Watch call (etcdserverpb.Watch/Watch,
#            one WatchCreateRequest), 100 streams per HTTP/2 connection;
#            needs python3-h2 (Debian's, hence /usr/bin/python3).
# Runs until SIGTERM or SECONDS pass, then prints "watchers: N streams
# created, events per stream min/median/max" (events counted by a substring
# of each read: a close count, not an exact one).
# PORTS: a comma-separated list; the connections go to each in turn.
# Usage: etcd_watchers.py gateway|grpc N HOST PORTS REV SECONDS
import base64, json, resource, selectors, signal, socket, sys, time

mode, n, host, ports, rev, secs = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                   [int(p) for p in sys.argv[4].split(",")], int(sys.argv[5]), float(sys.argv[6]))
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
seen = {}  # stream -> [created, events]
end = time.time() + secs
def stop(*_):
    global end
    end = 0
signal.signal(signal.SIGTERM, stop)

def varint(v):
    out = b""
    while True:
        out += bytes([(v & 0x7f) | (0x80 if v > 0x7f else 0)])
        v >>= 7
        if not v:
            return out

def pbytes(num, b):
    return bytes([num << 3 | 2]) + varint(len(b)) + b

if mode == "gateway":
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    body = json.dumps({"create_request": {"key": b64("/vxnet/"), "range_end": b64("/vxnet0"),
                                          "start_revision": str(rev + 1)}})
    for i in range(n):
        port = ports[i % len(ports)]
        s = socket.create_connection((host, port))
        s.sendall(("POST /v3/watch HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n%s" % (host, port, len(body), body)).encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        seen[i] = [0, 0]
else:
    import h2.config, h2.connection, h2.events
    create = pbytes(1, b"/vxnet/") + pbytes(2, b"/vxnet0") + bytes([3 << 3]) + varint(rev + 1)
    msg = pbytes(1, create)  # WatchRequest.create_request = 1
    frame = b"\0" + len(msg).to_bytes(4, "big") + msg
    conns = {}
    for c in range((n + 99) // 100):
        port = ports[c % len(ports)]
        s = socket.create_connection((host, port))
        h = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
        h.initiate_connection()
        h.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24})
        h.increment_flow_control_window(1 << 30)
        for i in range(c * 100, min(n, c * 100 + 100)):
            sid = h.get_next_available_stream_id()
            h.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "%s:%d" % (host, port)),
                                 (":path", "/etcdserverpb.Watch/Watch"), ("content-type", "application/grpc"),
                                 ("te", "trailers")])
            h.send_data(sid, frame)
            seen[(c, sid)] = [0, 0]
        s.sendall(h.data_to_send())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, c)
        conns[c] = (s, h)

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
        if mode == "gateway":
            seen[key.data][0] |= b'"created":true' in d
            seen[key.data][1] += d.count(b'"kv"')
            continue
        s, h = conns[key.data]
        for ev in h.receive_data(d):
            if isinstance(ev, h2.events.DataReceived):
                st = seen[(key.data, ev.stream_id)]
                # WatchResponse: created = 3 (true: 0x18 0x01); events = 11 (0x5a)
                st[0] |= b"\x18\x01" in ev.data
                st[1] += ev.data.count(b"\x5a")
                h.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        out = h.data_to_send()
        if out:
            s.setblocking(True)
            s.sendall(out)
            s.setblocking(False)
ev = sorted(v[1] for v in seen.values())
print("watchers: %d streams created, events per stream min %d, median %d, max %d" %
      (sum(v[0] for v in seen.values()), ev[0], ev[len(ev) // 2], ev[-1]), flush=True)
