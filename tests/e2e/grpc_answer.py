#!/usr/bin/python3
# A member that answers every gRPC call with the same message: what a
# broken or hostile etcd could send. Usage:
#   grpc_answer.py ADDR PORT HEX [WATCH]
# HEX: the protobuf message every unary call (Range, Authenticate) gets, as
# one gRPC frame with grpc-status 0. WATCH: what a Watch call gets: the
# bytes of its DATA (hex, the gRPC framing included, so that a test can
# break it), in chunks separated by ',' sent 0.2 s apart as separate DATA
# frames (a frame split across reads), once the request's first gRPC
# message has arrived (a watching client keeps its request stream open);
# the stream then stays open, as etcd's does. Without WATCH, a Watch call
# gets HEX as a unary call does, once the client ends its request.
#   grpc_answer.py ADDR PORT --http1 HOST:PORT
# A member that speaks only HTTP/1.1 (an etcd behind an HTTP/1.1 proxy):
# a connection that opens with HTTP/2's preface gets "HTTP/1.1 400 Bad
# Request" and is closed; any other is relayed to HOST:PORT (the gateway).
# h2c with prior knowledge, one connection at a time (relays: a thread
# each); prints "ready" once it listens. For tests/e2e/test_etcd_grpc.sh.
import socket, struct, sys, threading, time

addr, port = sys.argv[1], int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(64)


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(s, up):
    first = s.recv(65536)
    if first.startswith(b"PRI * HTTP/2.0"):
        s.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        s.close()
        return
    u = socket.create_connection(up)
    u.sendall(first)
    threading.Thread(target=pipe, args=(u, s), daemon=True).start()
    pipe(s, u)


if sys.argv[3] == "--http1":
    host, _, uport = sys.argv[4].rpartition(":")
    print("ready", flush=True)
    while True:
        s, _ = srv.accept()
        threading.Thread(target=relay, args=(s, (host, int(uport))), daemon=True).start()

import h2.config, h2.connection, h2.events

msg = bytes.fromhex(sys.argv[3])
watch = [bytes.fromhex(c) for c in sys.argv[4].split(",")] if len(sys.argv) > 4 else None
print("ready", flush=True)
while True:
    s, _ = srv.accept()
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    paths, got = {}, {}
    while True:
        try:
            data = s.recv(65536)
        except OSError:
            break
        if not data:
            break
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                paths[ev.stream_id] = dict(ev.headers).get(b":path", b"")
            is_watch = watch is not None and paths.get(getattr(ev, "stream_id", None)) == b"/etcdserverpb.Watch/Watch"
            if isinstance(ev, h2.events.DataReceived):
                c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                b = got[ev.stream_id] = got.get(ev.stream_id, b"") + ev.data
                if is_watch and len(b) >= 5 and len(b) - len(ev.data) < 5 + int.from_bytes(b[1:5], "big") <= len(b):
                    c.send_headers(ev.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                    for i, chunk in enumerate(watch):
                        if i:
                            time.sleep(0.2)
                        c.send_data(ev.stream_id, chunk)
                        s.sendall(c.data_to_send())
            if isinstance(ev, h2.events.StreamEnded) and not is_watch:
                c.send_headers(ev.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                c.send_data(ev.stream_id, struct.pack(">BI", 0, len(msg)) + msg)
                c.send_headers(ev.stream_id, [("grpc-status", "0")], end_stream=True)
        try:
            s.sendall(c.data_to_send())
        except OSError:
            break
    s.close()
