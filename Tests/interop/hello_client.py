"""A promo-service client written from the README and promo.proto alone, with Google's protobuf runtime.

Usage: hello_client.py HOST PORT ADMIN_KEY. Prints 'interop: N passed, M failed'; exits 1 on any failure.
"""
import socket
import struct
import sys

from promo.v1 import promo_pb2 as pb


class Connection:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
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
        response = self.receive()
        assert response.request_id == request_id, (response.request_id, request_id)
        return response

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed by server")
            data += chunk
        return data


def main():
    host, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    checks = []

    def check(name, condition):
        checks.append((name, bool(condition)))
        print(("ok   " if condition else "FAIL ") + name)

    conn = Connection(host, port)
    early = conn.call(list_api_keys=pb.ListApiKeysRequest())
    check("a call before hello is UNAUTHENTICATED", early.status.code == pb.STATUS_CODE_UNAUTHENTICATED)

    bad = conn.call(hello=pb.HelloRequest(api_key="wrong", client_name="interop"))
    check("a wrong key is UNAUTHENTICATED", bad.status.code == pb.STATUS_CODE_UNAUTHENTICATED)

    hello = conn.call(hello=pb.HelloRequest(api_key=key, client_name="interop"))
    check("hello with the admin key is OK", hello.status.code == pb.STATUS_CODE_OK)
    check("hello answers with the hello arm and role admin",
          hello.WhichOneof("result") == "hello" and hello.hello.role == "admin")

    created = conn.call(create_api_key=pb.CreateApiKeyRequest(name="python", role="analyst"))
    check("create_api_key returns a key", created.status.code == pb.STATUS_CODE_OK and created.create_api_key.api_key)

    # Pipelining: send three requests before reading; answers carry their request ids.
    ids = [conn.send(list_api_keys=pb.ListApiKeysRequest()) for _ in range(3)]
    answers = [conn.receive() for _ in ids]
    check("pipelined answers match their request ids", sorted(a.request_id for a in answers) == sorted(ids))
    check("list_api_keys shows both keys", all(len(a.list_api_keys.keys) == 2 for a in answers))

    analyst = Connection(host, port)
    role = analyst.call(hello=pb.HelloRequest(api_key=created.create_api_key.api_key))
    check("the new key says hello as analyst", role.hello.role == "analyst")

    # Operations: the audit trail, and a backup fetched as raw bytes (the protocol's one bytes field).
    audit = conn.call(audit_log=pb.AuditLogRequest(action="create_api_key", page_size=10))
    check("audit_log lists both key creations, newest first",
          audit.status.code == pb.STATUS_CODE_OK
          and [e.target for e in audit.audit_log.entries][:1] == [created.create_api_key.key_id]
          and len(audit.audit_log.entries) == 2)
    backup = conn.call(backup=pb.BackupRequest(name="interop.sqlite"))
    check("backup answers with a size and a SHA-256",
          backup.status.code == pb.STATUS_CODE_OK and backup.backup.size_bytes > 0 and len(backup.backup.sha256) == 64)
    chunk = conn.call(fetch_backup=pb.FetchBackupRequest(name="interop.sqlite", offset=0, length=4096))
    check("fetch_backup returns the file's first bytes, an SQLite header",
          chunk.status.code == pb.STATUS_CODE_OK and chunk.fetch_backup.data[:16] == b"SQLite format 3\x00"
          and chunk.fetch_backup.size_bytes == backup.backup.size_bytes)
    denied = analyst.call(audit_log=pb.AuditLogRequest())
    check("audit_log is PERMISSION_DENIED to an analyst", denied.status.code == pb.STATUS_CODE_PERMISSION_DENIED)

    # Support desk: look a code up and explain why it fails for a player, with an analyst key.
    campaign = conn.call(create_campaign=pb.CreateCampaignRequest(
        campaign=pb.Campaign(name="interop desk", kind=pb.CAMPAIGN_KIND_OTHER, active=True, max_redemptions=5,
                             reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=500, currency="EUR"),
                             eligibility=pb.Eligibility(segments=["vip"])),
        code="INTEROP-DESK-1"))
    check("create_campaign with a shared code is OK", campaign.status.code == pb.STATUS_CODE_OK)
    got = analyst.call(get_code=pb.GetCodeRequest(code=" interop desk 1 "))
    check("get_code finds the normalised code with its campaign and stats",
          got.status.code == pb.STATUS_CODE_OK and got.WhichOneof("result") == "get_code"
          and got.get_code.code.code == "INTEROP-DESK-1" and got.get_code.code.active
          and got.get_code.campaign.id == campaign.create_campaign.campaign.id
          and got.get_code.campaign.stats.remaining == 5)
    missing = analyst.call(get_code=pb.GetCodeRequest(code="NO-SUCH-CODE"))
    check("get_code of an unknown code is NOT_FOUND", missing.status.code == pb.STATUS_CODE_NOT_FOUND)
    explained = analyst.call(validate=pb.ValidateRequest(
        code="interop-desk-1", explain=True, user=pb.UserContext(user_id="py-player", segments=["regular"])))
    failed_rules = [c.rule for c in explained.validate.checks if not c.passed]
    segment = [c.detail for c in explained.validate.checks if c.rule == "segment"]
    check("an explained validate lists every rule, the segment one failing with its detail",
          explained.status.code == pb.STATUS_CODE_OK and explained.validate.verdict == pb.VERDICT_NOT_ELIGIBLE
          and explained.validate.checks[0].rule == "rate_limit" and failed_rules == ["segment"]
          and segment == ["segment: player is in [regular], campaign wants any of [vip]"])

    # Offers that need no code, and a blocked player.
    auto = conn.call(create_campaign=pb.CreateCampaignRequest(
        campaign=pb.Campaign(name="interop auto", kind=pb.CAMPAIGN_KIND_DEPOSIT, active=True, auto_apply=True,
                             max_redemptions=10,
                             reward=pb.Reward(kind=pb.REWARD_KIND_DEPOSIT_MATCH, percent=50, cap_minor=10000,
                                              currency="EUR"))))
    auto_id = auto.create_campaign.campaign.id
    check("create_campaign with auto_apply is OK and says so",
          auto.status.code == pb.STATUS_CODE_OK and auto.create_campaign.campaign.auto_apply)
    player = pb.UserContext(user_id="py-offers")
    offers = conn.call(offers=pb.OffersRequest(user=player, deposit_minor=2000, currency="EUR"))
    check("offers lists the auto-apply campaign, OK, with the reward for the deposit and what remains",
          offers.status.code == pb.STATUS_CODE_OK and [o.campaign.id for o in offers.offers.offers] == [auto_id]
          and offers.offers.offers[0].verdict == pb.VERDICT_OK
          and offers.offers.offers[0].reward.amount_minor == 1000 and offers.offers.offers[0].remaining == 10)
    redeemed = conn.call(redeem=pb.RedeemRequest(campaign_id=auto_id, user=player, deposit_minor=2000,
                                                  currency="EUR", idempotency_key="py-auto-1"))
    check("a redeem by campaign_id without a code is OK",
          redeemed.status.code == pb.STATUS_CODE_OK and redeemed.redeem.verdict == pb.VERDICT_OK
          and redeemed.redeem.reward.amount_minor == 1000)
    blocked = conn.call(block_user=pb.BlockUserRequest(user_id="py-offers", reason="interop abuse"))
    check("block_user answers a block id", blocked.status.code == pb.STATUS_CODE_OK and blocked.block_user.block_id)
    after = conn.call(offers=pb.OffersRequest(user=player, deposit_minor=2000, currency="EUR"))
    refused = conn.call(redeem=pb.RedeemRequest(campaign_id=auto_id, user=player, idempotency_key="py-auto-2"))
    check("a blocked player gets VERDICT_USER_BLOCKED in offers and on redeem",
          [o.verdict for o in after.offers.offers] == [pb.VERDICT_USER_BLOCKED]
          and refused.redeem.verdict == pb.VERDICT_USER_BLOCKED)
    blocks = conn.call(list_blocks=pb.ListBlocksRequest())
    check("list_blocks shows the block with its reason",
          [(b.id, b.reason) for b in blocks.list_blocks.blocks] == [(blocked.block_user.block_id, "interop abuse")])
    check("block_user is PERMISSION_DENIED to an analyst",
          analyst.call(block_user=pb.BlockUserRequest(user_id="x", reason="r")).status.code
          == pb.STATUS_CODE_PERMISSION_DENIED)

    # Manual credit and write-off (grant_reward, void_redemption on the grant's id), and a budget refusal.
    budgeted = conn.call(create_campaign=pb.CreateCampaignRequest(
        campaign=pb.Campaign(name="interop budget", kind=pb.CAMPAIGN_KIND_OTHER, active=True, budget_minor=1200,
                             reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=500, currency="EUR")),
        code="INTEROP_BUDGET_1"))
    budget_id = budgeted.create_campaign.campaign.id
    check("create_campaign with a budget is OK", budgeted.status.code == pb.STATUS_CODE_OK
          and budgeted.create_campaign.campaign.budget_minor == 1200)
    grant = conn.call(grant_reward=pb.GrantRewardRequest(
        user=pb.UserContext(user_id="py-winner"), reason="won the interop tournament", campaign_id=budget_id,
        reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=1000, currency="EUR"), idempotency_key="py-grant-1"))
    check("grant_reward credits the player without a code",
          grant.status.code == pb.STATUS_CODE_OK and grant.WhichOneof("result") == "grant_reward"
          and grant.grant_reward.redemption_id and grant.grant_reward.reward.amount_minor == 1000
          and not grant.grant_reward.replayed)
    again = conn.call(grant_reward=pb.GrantRewardRequest(
        user=pb.UserContext(user_id="py-winner"), reason="won the interop tournament", campaign_id=budget_id,
        reward=pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=1000, currency="EUR"), idempotency_key="py-grant-1"))
    check("grant_reward with the same idempotency key replays the grant",
          again.grant_reward.replayed and again.grant_reward.redemption_id == grant.grant_reward.redemption_id)
    history = conn.call(reward_history=pb.RewardHistoryRequest(user_id="py-winner"))
    entries = list(history.reward_history.redemptions)
    check("reward_history marks the grant with its reason and the granting key",
          len(entries) == 1 and entries[0].grant and entries[0].reason == "won the interop tournament"
          and entries[0].granted_by and entries[0].code == "")
    refused = conn.call(redeem=pb.RedeemRequest(code="interop-budget-1", user=pb.UserContext(user_id="py-late"),
                                                 idempotency_key="py-budget-1"))
    check("a redeem that would pass the budget is VERDICT_BUDGET_EXHAUSTED",
          refused.status.code == pb.STATUS_CODE_OK and refused.redeem.verdict == pb.VERDICT_BUDGET_EXHAUSTED)
    validated = conn.call(validate=pb.ValidateRequest(code="INTEROP-BUDGET-1", user=pb.UserContext(user_id="py-late")))
    check("validate reports the budget left", validated.validate.verdict == pb.VERDICT_BUDGET_EXHAUSTED
          and validated.validate.budget_remaining_minor == 200)
    written = conn.call(void_redemption=pb.VoidRedemptionRequest(
        redemption_id=grant.grant_reward.redemption_id, reason="credited by mistake"))
    check("void_redemption on the grant writes it off",
          written.status.code == pb.STATUS_CODE_OK and written.void_redemption.redemption.grant
          and written.void_redemption.redemption.voided)
    redeemed = conn.call(redeem=pb.RedeemRequest(code="interop_budget_1", user=pb.UserContext(user_id="py-late"),
                                                  idempotency_key="py-budget-2"))
    stats = conn.call(get_campaign=pb.GetCampaignRequest(campaign_id=budget_id)).get_campaign.campaign.stats
    check("the write-off gave the budget back: the redeem fits, the spend shows in the stats",
          redeemed.redeem.verdict == pb.VERDICT_OK and stats.budget_spent_minor == 500
          and stats.budget_remaining_minor == 700)

    passed = sum(1 for _, ok in checks if ok)
    failed = len(checks) - passed
    print(f"interop: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
