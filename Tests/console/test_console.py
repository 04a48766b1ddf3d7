"""The console in a real browser (headless Chromium through Playwright) against a live promo-server."""
import csv
import io
import re
import time

from playwright.sync_api import expect

from conftest import pb

CODE_PATTERN = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


def sign_in(page, server, key):
    page.goto(server.console_url)
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#signin input[name=apiKey]", key)
    page.click("#signin button[type=submit]")


def sign_out(page):
    page.click("#sign-out")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []


def fact(page, term):
    return page.locator('#report-numbers dd[data-fact="%s"]' % term)


def redeem(connection, code, user, ip, device, source="web"):
    answer = connection.call(redeem=pb.RedeemRequest(
        code=code, user=pb.UserContext(user_id=user, ip=ip, device_id=device), source=source,
        idempotency_key="console-test-%s-%s" % (code, user)))
    assert answer.status.code == pb.STATUS_CODE_OK, answer.status
    return answer.redeem


def test_a_marketers_day(server, page, shot):
    manager_id, manager_key = server.create_key("marketing", "manager")
    _, redeemer_key = server.create_key("game-server", "redeemer")

    # Other campaigns already running, scheduled and over.
    hour = 3_600_000
    now = int(time.time() * 1000)
    others = {}
    for name, starts, expires, reward in [
            ("Spring free spins", now - 48 * hour, now + 240 * hour, pb.Reward(kind=pb.REWARD_KIND_FREE_SPINS, free_spins=20, game_id="starburst")),
            ("Black Friday", now - 30 * 24 * hour, now - 24 * hour, pb.Reward(kind=pb.REWARD_KIND_BONUS, amount_minor=1000, currency="EUR")),
            ("New year VIP", now + 24 * hour, now + 30 * 24 * hour, pb.Reward(kind=pb.REWARD_KIND_DEPOSIT_MATCH, percent=100, cap_minor=20000, currency="EUR"))]:
        answer = server.admin(create_campaign=pb.CreateCampaignRequest(campaign=pb.Campaign(
            name=name, kind=pb.CAMPAIGN_KIND_SEASONAL, reward=reward, active=True, starts_at_ms=starts, expires_at_ms=expires)))
        others[name] = answer.create_campaign.campaign.id

    # Sign in as a manager: campaigns page, no admin pages.
    page.goto(server.console_url)
    shot(page, "signin")
    sign_in(page, server, manager_key)
    expect(page.locator("h1")).to_have_text("Campaigns")
    expect(page.locator("#who-role")).to_have_text("signed in as manager")
    expect(page.locator('nav a[data-page="keys"]')).to_be_hidden()
    expect(page.locator('nav a[data-page="audit"]')).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 2
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []

    # Create a campaign with a budget.
    page.click("#new-campaign")
    form = page.locator("#create-campaign")
    form.locator("input[name=name]").fill("Winter welcome")
    form.locator("input[name=amountMinor]").fill("500")
    form.locator("input[name=currency]").fill("EUR")
    form.locator("input[name=maxPerUser]").fill("0")
    form.locator("input[name=budgetMinor]").fill("100000")
    form.locator("input[name=source]").fill("newsletter")
    # A wrong value first: the server's message shows next to the field it names.
    form.locator("input[name=currency]").fill("E1")
    form.locator("button[type=submit]").click()
    expect(form.locator(".field:has(input[name=currency]) .error")).to_contain_text("currency")
    form.locator("input[name=currency]").fill("EUR")
    form.locator("button[type=submit]").click()
    expect(page.locator("#campaign-name")).to_have_text("Winter welcome")
    campaign_id = page.url.split("#/campaign/")[1]
    expect(page.locator('#campaign-settings dd[data-fact="Budget"]')).to_have_text("1,000.00 EUR")
    expect(page.locator('#campaign-settings dd[data-fact="Redemptions"]')).to_have_text("0")

    # Edit the settings, switch the campaign off and on again.
    page.click("#edit-campaign-button")
    page.fill("#edit-campaign input[name=name]", "Winter welcome 2026")
    page.fill("#edit-campaign input[name=maxRedemptions]", "5000")
    page.click("#edit-campaign button[type=submit]")
    expect(page.locator("#campaign-name")).to_have_text("Winter welcome 2026")
    expect(page.locator('#campaign-settings dd[data-fact="Max redemptions"]')).to_have_text("5,000")
    page.click("#toggle-active")
    expect(page.locator("#campaign-status")).to_have_text("off")
    expect(page.locator("#toggle-active")).to_have_text("Activate campaign")
    page.click("#toggle-active")
    expect(page.locator("#campaign-status")).to_have_text("active")

    # Generate 1,000 codes and download them as CSV.
    generate = page.locator("#generate-form")
    generate.locator("input[name=count]").fill("1000")
    generate.locator("input[name=pattern]").fill("****-****")
    generate.locator("button[type=submit]").click()
    expect(page.locator("#generate-result")).to_contain_text("Generated 1,000 codes")
    with page.expect_download() as download_info:
        page.click("#download-batch")
    download = download_info.value
    assert download.suggested_filename.startswith("codes-%s" % campaign_id)
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows[0] == ["code", "max_uses", "uses", "active", "owner_id", "batch_id", "created_at"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 1000 and len(set(codes)) == 1000
    assert all(CODE_PATTERN.match(code) for code in codes), codes[:5]
    assert all(row[1] == "1" and row[2] == "0" and row[3] == "true" for row in rows[1:])
    expect(page.locator("#codes-table tbody tr")).to_have_count(25)  # paged, never all 1,000
    # The whole batch off and on again.
    batch_id = rows[1][5]
    expect(page.locator("#generate-result code")).to_have_text(batch_id)
    page.fill("#codes-batch", batch_id)
    page.click("#batch-off")
    expect(page.locator("#batch-note")).to_have_text("1,000 codes of batch %s switched off." % batch_id)
    expect(page.locator("#codes-table tbody tr").first.locator("td").nth(1)).to_contain_text("off")
    page.click("#batch-on")
    expect(page.locator("#batch-note")).to_have_text("1,000 codes of batch %s switched on." % batch_id)
    expect(page.locator("#codes-table tbody tr").first.locator("td").nth(1)).to_contain_text("on")
    page.fill("#codes-batch", "")
    page.click("#codes-filter button[type=submit]")

    # Import a CSV with two bad rows: a malformed code and one that already exists.
    imported = ["IMPORT-%04d" % n for n in range(1, 6)]
    text = "code,max_uses,owner_id\n%s,1,\nNOT A CODE!,1,\n%s,1,aff-7\n%s,1,\n%s,1,\n%s,1,\n" % (
        imported[0], imported[1], codes[0], imported[2], imported[3]) + "%s,5,\n" % imported[4]
    page.set_input_files("#import-file", files=[{"name": "codes.csv", "mimeType": "text/csv", "buffer": text.encode()}])
    page.click("#import-form button[type=submit]")
    expect(page.locator("#import-summary")).to_have_text("5 imported, 2 rejected.")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(errors.nth(0).locator("td").nth(1)).to_have_text("NOT A CODE!")
    expect(errors.nth(0).locator("td").nth(2)).to_contain_text("malformed")
    expect(errors.nth(1).locator("td").nth(0)).to_have_text("5")
    expect(errors.nth(1).locator("td").nth(2)).to_have_text("already exists")

    # Switch one code off and on again from the codes table.
    first = page.locator("#codes-table tbody tr").first
    first_code = first.locator("td").first.inner_text()
    first.locator("button[data-code]").click()
    expect(page.locator("#codes-table tbody tr").first.locator("td").nth(1)).to_contain_text("off")
    page.locator("#codes-table tbody tr").first.locator("button[data-code]").click()
    expect(page.locator("#codes-table tbody tr").first.locator("td").nth(1)).to_contain_text("on")
    assert page.locator("#codes-table tbody tr").first.locator("td").first.inner_text() == first_code

    # Before any redeem: nothing in the report, no bars.
    expect(fact(page, "Codes issued")).to_have_text("1,005")
    expect(fact(page, "Redemptions in range")).to_have_text("0")
    expect(page.locator("svg.timeline rect.bar[data-value]")).to_have_count(0)
    shot(page, "campaign")

    # Game servers redeem through the binary protocol: one abuser takes 10 codes from one IP and device.
    game = server.connect(redeemer_key)
    try:
        for n in range(10):
            assert redeem(game, codes[n], "abuser-1", "203.0.113.9", "dev-farm").verdict == pb.VERDICT_OK
        for n, user in enumerate(["player-42", "player-43"]):
            assert redeem(game, codes[10 + n], user, "198.51.100.%d" % n, "dev-%d" % n, source="app").verdict == pb.VERDICT_OK
        assert redeem(game, "IMPORT0005", "player-44", "198.51.100.7", "dev-7", source="app").verdict == pb.VERDICT_OK
        # A used single-use code: a failed attempt counted against this campaign.
        refused = redeem(game, codes[0], "player-44", "198.51.100.7", "dev-7").verdict
        assert refused not in (pb.VERDICT_OK, pb.VERDICT_UNSPECIFIED)
    finally:
        game.close()

    # After a reload the numbers and the chart show them.
    page.reload()
    expect(page.locator('#campaign-settings dd[data-fact="Redemptions"]')).to_have_text("13")
    expect(page.locator('#campaign-settings dd[data-fact="Budget spent"]')).to_have_text("65.00 EUR")
    expect(fact(page, "Redemptions in range")).to_have_text("13")
    expect(fact(page, "Codes redeemed")).to_have_text("13")
    bars = page.locator("svg.timeline rect.bar[data-value]")
    expect(bars.first).to_be_visible()
    # Every redeem happened within a minute or so: one bar, or two if an hour turned meanwhile.
    values = [int(bar.get_attribute("data-value")) for bar in bars.all()]
    assert sum(values) == 13 and len(values) <= 2, values
    expect(bars.last.locator("title")).to_contain_text("redemptions")
    expect(page.locator("details.chart-table summary")).to_contain_text("13 redemptions")
    expect(page.locator("svg.bars title").filter(has_text="app: 3")).to_have_count(1)
    expect(page.locator("svg.bars title").filter(has_text="web: 10")).to_have_count(1)
    verdict = pb.Verdict.Name(refused).replace("VERDICT_", "").lower().replace("_", " ")
    expect(page.locator("svg.bars title").filter(has_text="%s: 1" % verdict)).to_have_count(1)
    expect(page.locator("#suspicious-table")).to_contain_text("203.0.113.9")

    # Block the suspicious user with one click.
    block = page.locator('#suspicious-table button[data-block-user="abuser-1"]')
    block.click()
    expect(block).to_have_text("Blocked")
    expect(block).to_be_disabled()
    expect(page.locator('#top-users button[data-block-user="abuser-1"]')).to_have_text("Blocked")
    shot(page, "campaign-report", page.locator("#report-section"))

    # The campaigns list shows the numbers too.
    page.click('nav a[data-page="campaigns"]')
    row = page.locator('#campaigns-table tr[data-campaign-id="%s"]' % campaign_id)
    expect(row.locator('td[data-col="redemptions"]')).to_have_text("13")
    expect(row.locator('td[data-col="rate"]')).to_have_text("1.3 %")
    expect(row.locator('td[data-col="budget"]')).to_have_text("65.00 EUR of 1,000.00 EUR")
    expect(row.locator('td[data-col="status"]')).to_have_text("active")
    scheduled = page.locator('#campaigns-table tr[data-campaign-id="%s"]' % others["New year VIP"])
    expect(scheduled.locator('td[data-col="status"]')).to_have_text("scheduled")
    expect(page.locator('#campaigns-table tr[data-campaign-id="%s"]' % others["Black Friday"])).to_have_count(0)
    # Sorted by redemptions, most first, the campaign with 13 leads.
    page.click('button[data-sort="redemptions"]')
    expect(page.locator("#campaigns-table tbody tr").first).to_have_attribute("data-campaign-id", campaign_id)
    page.click('button[data-sort="name"]')
    expect(page.locator("#campaigns-table tbody tr").first).to_have_attribute("data-campaign-id", others["New year VIP"])
    shot(page, "campaigns")
    page.click('button[data-filter="expired"]')
    expect(page.locator("#campaigns-table tbody tr")).to_have_count(1)
    expect(page.locator('#campaigns-table tr[data-campaign-id="%s"] td[data-col="left"]' % others["Black Friday"])).to_have_text("expired")
    page.click('button[data-filter="all"]')
    expect(page.locator("#campaigns-table tbody tr")).to_have_count(4)
    page.click('button[data-filter="active"]')
    expect(page.locator("#campaigns-table tbody tr")).to_have_count(3)

    # The abuser's player page says blocked.
    page.goto(server.console_url + "#/player/abuser-1")
    expect(page.locator("#block-state")).to_contain_text("Blocked")
    expect(page.locator("#blocks-table")).to_contain_text("every campaign")
    expect(page.locator("#history-table tbody tr")).to_have_count(10)
    # Unblock and block again from the player page.
    page.click('#blocks-table button[data-unblock=""]')
    expect(page.locator("#block-state")).to_have_text("Not blocked.")
    page.fill("#block-reason", "bonus abuse: 10 codes from one device")
    page.click("#block-form button[type=submit]")
    expect(page.locator("#block-state")).to_contain_text("Blocked")
    expect(page.locator("#blocks-table")).to_contain_text("bonus abuse: 10 codes from one device")

    # Credit a reward to a player, then write it off.
    page.goto(server.console_url + "#/player/player-42")
    expect(page.locator("#history-table tbody tr")).to_have_count(1)
    grant = page.locator("#grant-form")
    grant.locator("input[name=amountMinor]").fill("1000")
    grant.locator("input[name=reason]").fill("compensation for the outage")
    grant.locator("input[name=campaignId]").fill(campaign_id)
    grant.locator("button[type=submit]").click()
    expect(page.locator("#grant-note")).to_contain_text("Credited: 10.00 EUR bonus")
    granted = page.locator('#history-table tbody tr[data-grant="true"]')
    expect(granted).to_have_count(1)
    expect(granted).to_contain_text("compensation for the outage")
    granted.locator("input[name=reason]").fill("credited twice by mistake")
    granted.locator("button[type=submit]").click()
    expect(page.locator('#history-table tbody tr[data-grant="true"]')).to_contain_text("written off")
    expect(page.locator('#history-table tbody tr[data-grant="true"]')).to_contain_text("credited twice by mistake")
    shot(page, "player")
    page.problems.assert_none()
    sign_out(page)

    # An admin finds all of it in the audit log, then looks at the keys.
    sign_in(page, server, server.admin_key)
    expect(page.locator("h1")).to_have_text("Campaigns")
    page.click('nav a[data-page="audit"]')
    page.fill("#audit-actor", manager_id)
    page.click("#audit-filter button[type=submit]")
    table = page.locator("#audit-table")
    for action in ["create_campaign", "update_campaign", "generate", "import_codes", "set_code_status", "block_user", "unblock_user",
                   "grant_reward", "write_off"]:
        expect(table.locator('tr[data-action="%s"]' % action).first).to_be_visible()
    expect(table.locator('tr[data-action="block_user"]')).to_have_count(2)
    expect(table.locator('tr[data-action="block_user"]').first).to_contain_text("abuser-1")
    shot(page, "audit")

    page.click('nav a[data-page="keys"]')
    expect(page.locator('#keys-table tr[data-key-id="%s"]' % manager_id)).to_contain_text("manager")
    page.fill("#key-name", "reporting")
    page.select_option("#key-role", "analyst")
    page.click("#create-key button[type=submit]")
    secret = page.locator("#new-key-secret")
    expect(secret).to_have_value(re.compile(r".{32,}"))
    new_key = secret.input_value()
    shot(page, "keys")
    reporting = page.locator("#keys-table tbody tr").filter(has_text="reporting")
    reporting.locator("button[data-revoke]").click()
    reporting.locator("button[data-confirm-revoke]").click()
    expect(page.locator("#keys-table tbody tr").filter(has_text="reporting")).to_contain_text("revoked")
    page.problems.assert_none()
    sign_out(page)
    # The revoked key no longer signs in.
    sign_in(page, server, new_key)
    expect(page.locator("#signin .error")).to_contain_text("UNAUTHENTICATED")


def test_analyst_sees_no_edit_controls_and_names_are_text(server, page):
    hostile = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
    created = server.admin(create_campaign=pb.CreateCampaignRequest(campaign=pb.Campaign(
        name=hostile, kind=pb.CAMPAIGN_KIND_OTHER, active=True,
        reward=pb.Reward(kind=pb.REWARD_KIND_LOYALTY_POINTS, amount_minor=50)), code="HOSTILE-1"))
    campaign_id = created.create_campaign.campaign.id
    _, analyst_key = server.create_key("analyst", "analyst")
    _, redeemer_key = server.create_key("redeemer", "redeemer")

    # A redeemer key is refused with a clear message and nothing is kept.
    sign_in(page, server, redeemer_key)
    expect(page.locator("#signin .error")).to_contain_text("redeemer key")
    assert page.evaluate("sessionStorage.length") == 0

    page.fill("#signin input[name=apiKey]", analyst_key)
    page.click("#signin button[type=submit]")
    expect(page.locator("#who-role")).to_have_text("signed in as analyst")
    expect(page.locator("#new-campaign")).to_have_count(0)
    expect(page.locator('nav a[data-page="keys"]')).to_be_hidden()
    link = page.locator('#campaigns-table tr[data-campaign-id="%s"] a.campaign-link' % campaign_id)
    expect(link).to_have_text(hostile)
    assert page.locator("#campaigns-table script, #campaigns-table img").count() == 0

    link.click()
    expect(page.locator("#campaign-name")).to_have_text(hostile)
    expect(page.locator("#report-numbers")).to_be_visible()
    expect(page.locator("#codes-table tbody tr")).to_have_count(1)
    for selector in ["#toggle-active", "#edit-campaign-button", "#generate-form", "#import-form", "#batch-off",
                     "button[data-code]", "button[data-block-user]"]:
        expect(page.locator(selector)).to_have_count(0)
    assert page.locator("main script, main img").count() == 0

    page.goto(server.console_url + "#/player/someone")
    expect(page.locator("#history-empty")).to_be_visible()
    for selector in ["#grant-form", "#block-form", "form[data-void]"]:
        expect(page.locator(selector)).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    page.problems.assert_none()

    # The console's own answers carry the strict policy.
    response = page.request.get(server.console_url)
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy or "script-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy.split("script-src")[-1].split(";")[0], policy
    assert response.headers.get("x-frame-options", "").upper() == "DENY"
