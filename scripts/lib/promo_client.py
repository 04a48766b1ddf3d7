"""A minimal blocking promo-service client (framing as in the README), shared by scripts/crash and scripts/soak.

Needs the module generated from proto/promo/v1/promo.proto on PYTHONPATH (scripts/lib/server.sh:
python_client_env). `python promo_client.py check HOST PORT KEY` runs the admin `check` and exits 1 when it
reports a problem.
"""
import socket
import struct
import sys

from promo.v1 import promo_pb2 as pb


class Closed(Exception):
    pass


class Connection:
    def __init__(self, host, port, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.next_id = 1

    def send(self, **call):
        request = pb.Request(request_id=self.next_id, **call)
        self.next_id += 1
        body = request.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        return request.request_id

    def receive(self):
        (length,) = struct.unpack(">I", self._exactly(4))
        response = pb.Response()
        response.ParseFromString(self._exactly(length))
        return response

    def call(self, **call):
        request_id = self.send(**call)
        while True:
            response = self.receive()
            if response.request_id == request_id:
                return response
            if response.request_id == 0:  # connection-level answer (idle timeout, shutdown, …)
                raise Closed("connection-level answer: %s" % response.status)

    def hello(self, key):
        answer = self.call(hello=pb.HelloRequest(api_key=key, client_name="scripts"))
        if answer.status.code != pb.STATUS_CODE_OK:
            raise RuntimeError("hello refused: %s" % answer.status)
        return answer.hello.role

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise Closed("closed by server")
            data += chunk
        return data


def check(host, port, key):
    conn = Connection(host, port, timeout=600)
    conn.hello(key)
    answer = conn.call(check=pb.CheckRequest())
    conn.close()
    if answer.status.code != pb.STATUS_CODE_OK:
        raise RuntimeError("check refused: %s" % answer.status)
    if answer.check.ok and not answer.check.problems:
        return []
    return list(answer.check.problems) or ["check answered not ok without problems"]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        problems = check(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        if problems:
            print("check: %d problem(s): %s" % (len(problems), "; ".join(problems)))
            sys.exit(1)
        print("check: ok (every maintained total agrees with the raw rows; integrity_check ok)")
    else:
        print(__doc__)
        sys.exit(2)
