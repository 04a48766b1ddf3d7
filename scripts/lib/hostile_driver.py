"""Hostile clients against a running release promo-server (loopback only), for scripts/hostile.

usage: hostile_driver.py PID PORT ADMIN_KEY FRAMES SECONDS

Each phase opens one connection that sends up to FRAMES frames as fast as the server takes them, never reads
an answer, and stops when the server closes the connection or after SECONDS. Meanwhile a probe connection
says hello and validates every 100 ms; every probe must be answered. The server's VmRSS/VmHWM
(/proc/PID/status) are sampled before and after each phase. Prints one line per phase and a JSON summary;
exits 1 when a phase's connection was not closed, a probe failed, or the peak RSS grew past RSS_GROWTH_MAX_MB.
"""
import errno
import json
import os
import select
import socket
import struct
import sys
import threading
import time

from promo.v1 import promo_pb2 as pb

from promo_client import Connection

RSS_GROWTH_MAX_MB = 256


def proc_status(pid):
    values = {}
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) // 1024  # MiB
    return values


def frame(**call):
    body = pb.Request(request_id=1, **call).SerializeToString()
    return struct.pack(">I", len(body)) + body


class Probe(threading.Thread):
    """Another client, served throughout: a validate every 100 ms on its own connection."""

    def __init__(self, port, key):
        super().__init__(daemon=True)
        self.port, self.key = port, key
        self.stop = threading.Event()
        self.answered = 0
        self.failures = []
        self.slowest_ms = 0.0

    def run(self):
        try:
            conn = Connection("127.0.0.1", self.port, timeout=30)
            conn.hello(self.key)
            while not self.stop.is_set():
                started = time.monotonic()
                answer = conn.call(validate=pb.ValidateRequest(code="PROBE-0000", user=pb.UserContext(user_id="probe")))
                self.slowest_ms = max(self.slowest_ms, (time.monotonic() - started) * 1000)
                if answer.status.code != pb.STATUS_CODE_OK:
                    self.failures.append(str(answer.status))
                self.answered += 1
                self.stop.wait(0.1)
            conn.close()
        except Exception as error:  # noqa: BLE001 - any failure of the probe is the finding
            self.failures.append(repr(error))


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def flood(port, first, repeated, frames, seconds):
    """Sends `first` (bytes) and then `repeated` (one frame) up to `frames` times, never reading.
    Returns (frames sent, closed by the server, seconds until closed or stopped)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    chunk_frames = 4096
    chunk = repeated * chunk_frames
    pending = memoryview(first)
    sent_frames = 0
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < seconds:
        if not pending:
            if sent_frames >= frames:
                # All sent: wait (without reading) for the server to give up on us.
                time.sleep(0.2)
                if probe_closed(sock):
                    closed = True
                    break
                continue
            count = min(chunk_frames, frames - sent_frames)
            pending = memoryview(chunk if count == chunk_frames else repeated * count)
            sent_frames += count
        _, writable, _ = select.select([], [sock], [], 0.2)
        if not writable:
            if probe_closed(sock):
                closed = True
                break
            continue
        try:
            pending = pending[sock.send(pending):]
        except OSError as error:
            if error.errno in (errno.EPIPE, errno.ECONNRESET):
                closed = True
                break
            if error.errno != errno.EAGAIN:
                raise
    elapsed = time.monotonic() - started
    sock.close()
    return sent_frames, closed, elapsed


def probe_closed(sock):
    """True when the server has closed or reset the connection, found without reading any answer: the
    socket's TCP state (CLOSE after a reset, CLOSE_WAIT after a FIN) or a pending socket error."""
    try:
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        return state in (7, 8) or sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0
    except OSError:
        return True


def setup(port, key):
    admin = Connection("127.0.0.1", port, timeout=300)
    admin.hello(key)
    campaign = admin.call(create_campaign=pb.CreateCampaignRequest(campaign=pb.Campaign(
        name="hostile", kind=pb.CAMPAIGN_KIND_WELCOME, active=True,
        reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=100, currency="EUR"))))
    if campaign.status.code != pb.STATUS_CODE_OK:
        raise RuntimeError("create_campaign: %s" % campaign.status)
    campaign_id = campaign.create_campaign.campaign.id
    generated = admin.call(generate=pb.GenerateRequest(campaign_id=campaign_id, count=10000, pattern="****-****"))
    if generated.status.code != pb.STATUS_CODE_OK:
        raise RuntimeError("generate: %s" % generated.status)
    analyst = admin.call(create_api_key=pb.CreateApiKeyRequest(name="hostile-analyst", role="analyst"))
    if analyst.status.code != pb.STATUS_CODE_OK:
        raise RuntimeError("create_api_key: %s" % analyst.status)
    export = admin.call(export_codes=pb.ExportCodesRequest(campaign_id=campaign_id, page_size=10000))
    admin.close()
    return campaign_id, analyst.create_api_key.api_key, len(export.SerializeToString())


def main():
    pid, port, key, frames, seconds = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    campaign_id, analyst_key, export_bytes = setup(port, key)
    baseline = proc_status(pid)
    print("setup: campaign of 10,000 codes, one export answer = %d bytes; server VmRSS %d MiB, VmHWM %d MiB"
          % (export_bytes, baseline["VmRSS"], baseline["VmHWM"]))
    hello_frame = frame(hello=pb.HelloRequest(api_key=analyst_key))
    phases = [
        ("pre-hello empty frames", b"", struct.pack(">I", 0)),
        ("pre-hello calls", b"", frame(list_api_keys=pb.ListApiKeysRequest())),
        ("analyst export_codes", hello_frame, frame(export_codes=pb.ExportCodesRequest(campaign_id=campaign_id, page_size=10000))),
        ("admin validate", frame(hello=pb.HelloRequest(api_key=key)),
         frame(validate=pb.ValidateRequest(code="NOPE-0000", user=pb.UserContext(user_id="flood")))),
    ]
    results = []
    ok = True
    for name, first, repeated in phases:
        probe = Probe(port, key)
        probe.start()
        wait_for(lambda: probe.answered >= 1 or probe.failures)
        sent, closed, elapsed = flood(port, first, repeated, frames, seconds)
        answered = probe.answered
        wait_for(lambda: probe.answered > answered or probe.failures)  # still served after the flood
        probe.stop.set()
        probe.join(30)
        after = proc_status(pid)
        growth = after["VmHWM"] - baseline["VmRSS"]
        phase_ok = closed and not probe.failures and probe.answered > 0 and growth <= RSS_GROWTH_MAX_MB
        ok = ok and phase_ok
        result = {
            "phase": name, "frames_sent": sent, "closed_by_server": closed, "seconds": round(elapsed, 1),
            "VmRSS_MiB": after["VmRSS"], "VmHWM_MiB": after["VmHWM"], "peak_growth_MiB": growth,
            "probe_answered": probe.answered, "probe_slowest_ms": round(probe.slowest_ms, 1),
            "probe_failures": probe.failures[:3], "ok": phase_ok,
        }
        results.append(result)
        print("%-24s sent %8d frames, closed=%s after %5.1f s; VmRSS %4d MiB, VmHWM %4d MiB (+%d over the "
              "baseline); probe: %d answered, slowest %.1f ms%s"
              % (name, sent, closed, elapsed, after["VmRSS"], after["VmHWM"], growth, probe.answered,
                 probe.slowest_ms, "" if not probe.failures else ", FAILURES %s" % probe.failures[:3]))
    print(json.dumps({"baseline": baseline, "phases": results}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
