#!/usr/bin/env python3
# Writes endpoint records into etcd through the v3 gateway, for the etcd
# benches: etcd_writer.py MODE COUNT [MS] (etcd at 198.18.1.1:2379): "one" =
# COUNT single puts, MS (default 2) ms apart, printing "name start"; "bulk" =
# COUNT endpoints in transactions of 1000 puts.
import base64, http.client, json, sys, time
mode, count = sys.argv[1], int(sys.argv[2])
pause = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.002
c = http.client.HTTPConnection("198.18.1.1", 2379)
b64 = lambda s: base64.b64encode(s.encode()).decode()
def rec(i, prefix):
    ip = "10.%d.%d.%d" % (64 + (i + 2) // 65536, (i + 2) // 256 % 256, (i + 2) % 256)
    name = "%s%d" % (prefix, i)
    a = [int(x) for x in ip.split(".")]
    mac = "02:42:%02x:%02x:%02x:%02x" % tuple(a)
    return name, json.dumps({"name": name, "network": "blue", "node": "hx", "ip": ip, "mac": mac},
                            separators=(",", ":"))
def post(path, body):
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse(); d = r.read()
    if r.status != 200: sys.exit("etcd: %d %s" % (r.status, d[:200]))
if mode == "one":
    for i in range(count):
        name, v = rec(200000 + i, "b")
        t = time.time()
        post("/v3/kv/put", {"key": b64("/vxnet/endpoints/" + name), "value": b64(v)})
        print(name, "%.6f" % t, flush=True)
        time.sleep(pause)
else:
    for s in range(0, count, 1000):
        ops = []
        for i in range(s, min(count, s + 1000)):
            name, v = rec(i, "m")
            ops.append({"request_put": {"key": b64("/vxnet/endpoints/" + name), "value": b64(v)}})
        post("/v3/kv/txn", {"success": ops})
