"""Crash driver for scripts/crash: redeem load against promo-server, kill -9 at random moments, restart on the
same data folder, then check that nothing acknowledged was lost and no limit or total is off.

Usage: crash_driver.py SERVER_BINARY KILLS SEED. Needs promo_client.py's module path (PYTHONPATH).
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from promo.v1 import promo_pb2 as pb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from promo_client import Closed, Connection, check  # noqa: E402

WORKERS = 8
NEW_USER_PERCENT = 50    # the other calls repeat one of the worker's RECENT_USERS latest users
RECENT_USERS = 20
LIMITED_MAX = 300       # campaign A: max_redemptions 300, max_per_user 2 (reached mid-run)
LIMITED_PER_USER = 2
OPEN_PER_USER = 3       # campaign B: no campaign limit, max_per_user 3 (keeps acknowledging to the end)
RESEND_PERCENT = 10     # acknowledged calls sent again with the same idempotency key


class Server:
    """The current promo-server process; replaced on every kill."""

    def __init__(self, binary, data, key):
        self.binary, self.data, self.key = binary, data, key
        self.lock = threading.Lock()
        self.generation = 0
        self.proc = None
        self.port = None
        self.start()

    def start(self):
        log_path = os.path.join(self.data, "server-%d.log" % self.generation)
        log = open(log_path, "w")
        env = dict(os.environ, PROMO_ADMIN_KEY=self.key)
        proc = subprocess.Popen(
            [self.binary, "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--console-port", "0", "--data-dir", self.data, "--log-level", "warning"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(log_path) as f:
                for line in f:
                    if line.startswith("listening on "):
                        with self.lock:
                            self.proc, self.port = proc, int(line.strip().rsplit(":", 1)[1])
                        return
            if proc.poll() is not None:
                raise RuntimeError("promo-server exited (%s) before listening:\n%s" % (proc.returncode, open(log_path).read()))
            time.sleep(0.02)
        proc.kill()
        raise RuntimeError("promo-server did not listen within 30 s")

    def current(self):
        with self.lock:
            return self.port, self.generation

    def kill9_and_restart(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        with self.lock:
            self.generation += 1
            self.port = None
        self.start()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = {}     # redemption id -> (user, campaign id, idempotency key)
        self.refusals = {}
        self.attempts = 0
        self.retries = 0
        self.resends = 0
        self.problems = []

    def add(self, **changes):
        with self.lock:
            for name, value in changes.items():
                setattr(self, name, getattr(self, name) + value)

    def problem(self, text):
        with self.lock:
            self.problems.append(text)


def worker(index, server, ledger, campaigns, stop, seed):
    rng = random.Random(seed)
    users = []  # this worker's users so far; most calls are by a new user, the rest repeat a recent one
    conn = None
    attempt = 0

    def answer(request):
        nonlocal conn
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if conn is None:
                    port, _ = server.current()
                    if port is None:
                        raise ConnectionRefusedError("restarting")
                    conn = Connection("127.0.0.1", port, timeout=10)
                    conn.hello(server.key)
                response = conn.call(redeem=request)
                if response.status.code == pb.STATUS_CODE_OK:
                    return response.redeem
                if response.status.code != pb.STATUS_CODE_UNAVAILABLE:
                    raise RuntimeError("redeem %s: %s" % (request.idempotency_key, response.status))
                raise Closed("unavailable")
            except (OSError, Closed, ConnectionError):
                ledger.add(retries=1)
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
        raise RuntimeError("no answer for %s within 120 s" % request.idempotency_key)

    while not stop.is_set():
        if not users or rng.randrange(100) < NEW_USER_PERCENT:
            users.append("crash-w%d-u%d-%d" % (index, len(users), seed % 100000))
            user = users[-1]
        else:
            user = rng.choice(users[-RECENT_USERS:])
        code, campaign_id = rng.choice(campaigns)
        key = "crash-%d-%d-%d" % (seed, index, attempt)
        attempt += 1
        request = pb.RedeemRequest(code=code, user=pb.UserContext(user_id=user, ip="10.0.0.%d" % index),
                                   idempotency_key=key, source="crash-script")
        first = answer(request)
        if first.verdict == pb.VERDICT_OK:
            if not first.redemption_id or first.campaign_id != campaign_id:
                ledger.problem("%s: OK with id %r campaign %r" % (key, first.redemption_id, first.campaign_id))
            with ledger.lock:
                if first.redemption_id in ledger.acknowledged:
                    ledger.problems.append("%s: redemption id %s acknowledged twice" % (key, first.redemption_id))
                ledger.acknowledged[first.redemption_id] = (user, campaign_id, key)
        else:
            with ledger.lock:
                name = pb.Verdict.Name(first.verdict)
                ledger.refusals[name] = ledger.refusals.get(name, 0) + 1
        if rng.randrange(100) < RESEND_PERCENT:
            again = answer(request)
            ledger.add(resends=1)
            if not again.replayed or again.verdict != first.verdict or again.redemption_id != first.redemption_id:
                ledger.problem("%s: resend gave %s/%s/replayed=%s after %s/%s" % (
                    key, pb.Verdict.Name(again.verdict), again.redemption_id, again.replayed,
                    pb.Verdict.Name(first.verdict), first.redemption_id))
        ledger.add(attempts=1)
    if conn is not None:
        conn.close()


def main():
    binary, kills, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    data = tempfile.mkdtemp(prefix="promo-crash-")
    key = "pk_crash_" + os.urandom(24).hex()
    failures = []
    began = time.time()
    print("crash: data %s, seed %d, %d kills, %d workers" % (data, seed, kills, WORKERS))

    server = Server(binary, data, key)
    admin = Connection("127.0.0.1", server.port)
    admin.hello(key)
    campaigns = []
    for name, max_redemptions, per_user in (("limited", LIMITED_MAX, LIMITED_PER_USER), ("open", 0, OPEN_PER_USER)):
        code = "CRASH%s%d" % (name.upper(), seed)
        created = admin.call(create_campaign=pb.CreateCampaignRequest(code=code, campaign=pb.Campaign(
            name="crash %s" % name, kind=pb.CAMPAIGN_KIND_WELCOME, active=True,
            reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=500, currency="EUR"),
            max_redemptions=max_redemptions, max_per_user=per_user)))
        assert created.status.code == pb.STATUS_CODE_OK, created.status
        campaigns.append((code, created.create_campaign.campaign.id))
    admin.close()
    limits = {campaigns[0][1]: (LIMITED_MAX, LIMITED_PER_USER), campaigns[1][1]: (0, OPEN_PER_USER)}

    ledger = Ledger()
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(i, server, ledger, campaigns, stop, seed * 100 + i), daemon=True)
               for i in range(WORKERS)]
    for t in threads:
        t.start()

    # Kill at random moments (0.15-1.2 s apart), each only once the load has made progress since the restart.
    acks_at_kill = []
    for k in range(kills):
        before = ledger.attempts
        time.sleep(rng.uniform(0.15, 1.2))
        wait_until = time.time() + 30
        while ledger.attempts < before + 20 and time.time() < wait_until:
            time.sleep(0.01)
        if ledger.attempts < before + 20:
            failures.append("no progress before kill %d" % (k + 1))
        acks_at_kill.append(len(ledger.acknowledged))
        server.kill9_and_restart()
        print("  kill %2d at %5.1f s: %d attempts answered, %d acknowledged so far" % (
            k + 1, time.time() - began, ledger.attempts, len(ledger.acknowledged)))
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=150)
        if t.is_alive():
            failures.append("a worker did not finish")
    failures += ledger.problems

    # One last kill after the load, then read everything back through a fresh server.
    server.kill9_and_restart()
    reader = Connection("127.0.0.1", server.port, timeout=60)
    reader.hello(key)
    by_user = {}
    for rid, (user, campaign_id, _) in ledger.acknowledged.items():
        by_user.setdefault(user, set()).add(rid)
    users = sorted({u for (u, _, _) in ledger.acknowledged.values()})
    history_ids = set()
    for user in users:
        token = ""
        seen = set()
        while True:
            answer = reader.call(reward_history=pb.RewardHistoryRequest(user_id=user, page_token=token, page_size=500))
            assert answer.status.code == pb.STATUS_CODE_OK, answer.status
            for r in answer.reward_history.redemptions:
                seen.add(r.redemption_id)
                if r.voided:
                    failures.append("%s voided" % r.redemption_id)
            token = answer.reward_history.next_page_token
            if not token:
                break
        missing = by_user.get(user, set()) - seen
        extra = seen - by_user.get(user, set())
        if missing:
            failures.append("%s: acknowledged but not in reward_history: %s" % (user, sorted(missing)))
        if extra:
            failures.append("%s: in reward_history but never acknowledged: %s" % (user, sorted(extra)))
        history_ids |= seen
    stats = {}
    for code, campaign_id in campaigns:
        got = reader.call(get_campaign=pb.GetCampaignRequest(campaign_id=campaign_id))
        stats[campaign_id] = got.get_campaign.campaign.stats
    reader.close()
    problems = check("127.0.0.1", server.port, key)
    failures += ["admin check: " + p for p in problems]
    status = server.stop(signal.SIGTERM)
    if status != 0:
        failures.append("promo-server exited with %s after SIGTERM" % status)

    # The SQLite file after the final stop.
    db = sqlite3.connect(os.path.join(data, "promo.sqlite"))
    integrity = db.execute("PRAGMA integrity_check").fetchall()
    if integrity != [("ok",)]:
        failures.append("integrity_check: %s" % integrity)
    rows = {rid: (user, cid) for rid, user, cid in db.execute(
        "SELECT id, user_id, campaign_id FROM redemptions WHERE voided_at_ms IS NULL")}
    for rid, (user, campaign_id, key_) in ledger.acknowledged.items():
        if rows.get(rid) != (user, campaign_id):
            failures.append("acknowledged %s (%s) not in the file" % (rid, key_))
    unacknowledged = set(rows) - set(ledger.acknowledged)
    if unacknowledged:
        # Every call was retried with its key until answered, so every committed row was acknowledged.
        failures.append("%d row(s) in the file were never acknowledged: %s" % (len(unacknowledged), sorted(unacknowledged)[:5]))
    for campaign_id, (max_total, per_user) in limits.items():
        total = db.execute("SELECT count(*) FROM redemptions WHERE campaign_id = ? AND voided_at_ms IS NULL", (campaign_id,)).fetchone()[0]
        counter, unique = db.execute("SELECT redemptions, unique_users FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
        worst = db.execute("SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM redemptions WHERE campaign_id = ? "
                           "AND voided_at_ms IS NULL GROUP BY user_id)", (campaign_id,)).fetchone()[0]
        uses = db.execute("SELECT sum(uses) FROM codes k JOIN campaigns c ON k.campaign = c.number WHERE c.id = ?",
                          (campaign_id,)).fetchone()[0]
        per_user_rows = db.execute("SELECT count(*) FROM user_redemptions u WHERE campaign_id = ? AND redemptions <> "
                                   "(SELECT count(*) FROM redemptions r WHERE r.campaign_id = u.campaign_id AND "
                                   "r.user_id = u.user_id AND r.voided_at_ms IS NULL)", (campaign_id,)).fetchone()[0]
        s = stats[campaign_id]
        print("  campaign %s: %d redemptions in the file (counter %d, code uses %s, stats %d), %d users, "
              "most by one user %d" % (campaign_id, total, counter, uses, s.redemptions, unique, worst))
        if max_total and total > max_total:
            failures.append("%s: %d redemptions past the limit %d" % (campaign_id, total, max_total))
        if worst > per_user:
            failures.append("%s: a user has %d redemptions past the per-user limit %d" % (campaign_id, worst, per_user))
        if counter != total or uses != total or s.redemptions != total or per_user_rows:
            failures.append("%s: totals disagree (rows %d, counter %d, uses %s, stats %d, user rows off %d)" % (
                campaign_id, total, counter, uses, s.redemptions, per_user_rows))
    db.close()

    acked = len(ledger.acknowledged)
    refusals = " ".join("%s=%d" % kv for kv in sorted(ledger.refusals.items()))
    print("crash: %d kills (+1 after the load) in %.1f s; %d redeems answered, %d acknowledged and verified "
          "(reward_history and file), refusals %s; %d idempotent resends, %d retries after connection errors" % (
              kills, time.time() - began, ledger.attempts, acked, refusals or "none", ledger.resends, ledger.retries))
    print("crash: admin check %s; integrity_check %s" % ("ok" if not problems else problems, integrity[0][0]))
    if failures:
        print("crash: FAIL (%d problem(s))" % len(failures))
        for f in failures[:50]:
            print("  - " + f)
        sys.exit(1)
    print("crash: PASS")
    import shutil
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
