#!/usr/bin/python3
# A member that answers every gRPC call with the same message: what a
# broken or hostile etcd could send. Usage: grpc_answer.py ADDR PORT HEX
# (HEX: the protobuf message, sent as one gRPC frame with grpc-status 0).
# h2c with prior knowledge, one connection at a time; prints "ready" once
# it listens. For tests/e2e/test_etcd_grpc.sh.
import socket, struct, sys

import h2.config, h2.connection, h2.events

addr, port, msg = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(8)
print("ready", flush=True)
while True:
    s, _ = srv.accept()
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    while True:
        data = s.recv(65536)
        if not data:
            break
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.DataReceived):
                c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if isinstance(ev, h2.events.StreamEnded):
                c.send_headers(ev.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                c.send_data(ev.stream_id, struct.pack(">BI", 0, len(msg)) + msg)
                c.send_headers(ev.stream_id, [("grpc-status", "0")], end_stream=True)
        s.sendall(c.data_to_send())
    s.close()
