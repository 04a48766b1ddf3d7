// One campaign: settings and edit, activate/deactivate, codes (generate, import, export, browse, switch off
// and on) and the report with its charts and top lists.
import { call, session, idempotencyKey } from "./api.js";
import { h, field, input, select, replace, showError, busy, clearErrors, table } from "./dom.js";
import { rewardEditor } from "./forms.js";
import { timelineChart, barList } from "./chart.js";
import { parseCsv, csvLine, download } from "./csv.js";
import * as f from "./format.js";

const CODES_PAGE = 25;
const EXPORT_PAGE = 10000;   // the server's exportPageSizeMax
const IMPORT_CHUNK = 5000;   // rows per import_codes call (the server takes up to importCodesMax, 10,000)
const HOUR = 3600000, DAY = 86400000;

function section(title, id, ...children) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-h` }, h("h2", { id: `${id}-h` }, title), ...children);
}

function elapsedTicker(node, text) {
  const started = Date.now();
  const tick = () => { node.textContent = `${text} ${Math.floor((Date.now() - started) / 1000)} s`; };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------------------------------------------------
// Settings

function settingsList(c) {
  const stats = c.stats || {};
  const rows = [
    ["Id", c.id], ["Status", f.campaignStatus(c)], ["Kind", f.enumName(c.kind, "CAMPAIGN_KIND_")], ["Reward", f.reward(c.reward)],
    ["Starts", f.time(c.startsAtMs)], ["Expires", f.num(c.expiresAtMs) ? f.time(c.expiresAtMs) : "never"], ["Time left", f.timeLeft(c)],
    ["Max redemptions", f.num(c.maxRedemptions) ? f.count(c.maxRedemptions) : "unlimited"],
    ["Max per player", f.num(c.maxPerUser) ? f.count(c.maxPerUser) : "unlimited"],
    ["Budget", f.num(c.budgetMinor) ? f.budget(c.budgetMinor, c.reward) : "none"],
    ["Budget spent", f.budget(stats.budgetSpentMinor, c.reward)],
    ["Budget left", f.num(c.budgetMinor) ? f.budget(stats.budgetRemainingMinor, c.reward) : "—"],
    ["Redemptions", f.count(stats.redemptions)], ["Players", f.count(stats.uniqueUsers)],
    ["Remaining uses", stats.unlimited ? "unlimited" : f.count(stats.remaining)],
    ["Source", c.source || "—"], ["Group", c.groupId || "—"], ["Auto-apply", c.autoApply ? "yes" : "no"], ["Created", f.time(c.createdAtMs)],
  ];
  return h("dl", { class: "facts", id: "campaign-settings" }, rows.map(([term, value]) => [h("dt", null, term), h("dd", { "data-fact": term }, value)]));
}

function editForm(c, onSaved, onCancel) {
  const name = input("name", { value: c.name || "", required: true, wire: "campaign.name" });
  const reward = rewardEditor(c.reward || {});
  const starts = input("startsAt", { type: "datetime-local", value: f.toInput(c.startsAtMs), wire: "startsAtMs" });
  const expires = input("expiresAt", { type: "datetime-local", value: f.toInput(c.expiresAtMs), wire: "expiresAtMs" });
  const maxRedemptions = input("maxRedemptions", { type: "number", min: 0, value: f.num(c.maxRedemptions), wire: "max_redemptions" });
  const maxPerUser = input("maxPerUser", { type: "number", min: 0, value: f.num(c.maxPerUser), wire: "max_per_user" });
  const budget = input("budgetMinor", { type: "number", min: 0, value: f.num(c.budgetMinor), wire: "budget_minor" });
  const source = input("source", { value: c.source || "", wire: "campaign.source" });
  const save = h("button", { type: "submit" }, "Save");
  const cancel = h("button", { type: "button", class: "secondary", onclick: onCancel }, "Cancel");
  const form = h("form", { class: "edit", id: "edit-campaign" },
    h("div", { class: "row" }, field("Name", name), field("Source", source)),
    reward.node,
    h("div", { class: "row" }, field("Starts (UTC)", starts), field("Expires (UTC, empty = never)", expires)),
    h("div", { class: "row" }, field("Max redemptions (0 = unlimited)", maxRedemptions), field("Max per player (0 = unlimited)", maxPerUser),
      field("Budget (0 = none)", budget)),
    h("div", { class: "actions" }, save, cancel));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(save, async () => {
      try {
        const campaign = {
          name: name.value.trim(), reward: reward.read(), startsAtMs: String(f.fromInput(starts.value)),
          expiresAtMs: String(f.fromInput(expires.value)), maxRedemptions: String(f.num(maxRedemptions.value)),
          maxPerUser: f.num(maxPerUser.value), budgetMinor: String(f.num(budget.value)), source: source.value.trim(),
        };
        const updateMask = ["name", "reward", "starts_at_ms", "expires_at_ms", "max_redemptions", "max_per_user", "budget_minor", "source"];
        const answer = await call("update_campaign", { campaignId: c.id, campaign, updateMask });
        onSaved(answer.campaign);
      } catch (error) {
        showError(form, error);
      }
    }, "Saving…");
  });
  return form;
}

function settingsSection(initial, onChanged) {
  let c = initial;
  const body = h("div");
  const status = h("p", { class: "note", "aria-live": "polite" });
  const toggle = h("button", { type: "button", id: "toggle-active" });
  const edit = h("button", { type: "button", id: "edit-campaign-button", class: "secondary" }, "Edit settings");
  const show = () => {
    toggle.textContent = c.active ? "Deactivate campaign" : "Activate campaign";
    replace(body, settingsList(c));
  };
  toggle.addEventListener("click", async () => {
    await busy(toggle, async () => {
      try {
        const answer = await call("update_campaign", { campaignId: c.id, campaign: { active: !c.active }, updateMask: ["active"] });
        c = answer.campaign;
        status.textContent = c.active ? "Campaign activated." : "Campaign deactivated.";
        onChanged(c);
      } catch (error) {
        replace(status, h("span", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
      }
    });
    show(); // after busy() has put the old label back
  });
  edit.addEventListener("click", () => {
    replace(body, editForm(c, (saved) => { c = saved; status.textContent = "Settings saved."; onChanged(c); show(); }, show));
  });
  show();
  return section("Settings", "settings", session.canEdit ? h("div", { class: "actions" }, toggle, edit) : null, status, body);
}

// ---------------------------------------------------------------------------------------------------------
// Codes

async function exportCsv(campaign, { batchId = "", usage = "CODE_USAGE_ANY" }, progressNode) {
  const parts = [csvLine(["code", "max_uses", "uses", "active", "owner_id", "batch_id", "created_at"])];
  let token = "";
  let fetched = 0;
  do {
    const answer = await call("export_codes", { campaignId: campaign.id, batchId, usage, pageToken: token, pageSize: EXPORT_PAGE });
    for (const code of answer.codes || []) {
      parts.push(csvLine([code.code, f.num(code.maxUses), f.num(code.uses), code.active ? "true" : "false", code.ownerId || "",
        code.batchId || "", f.num(code.createdAtMs) ? new Date(f.num(code.createdAtMs)).toISOString() : ""]));
    }
    fetched += (answer.codes || []).length;
    progressNode.textContent = `Fetched ${f.count(fetched)} codes…`;
    token = answer.nextPageToken || "";
  } while (token);
  const name = `codes-${campaign.id}${batchId ? "-" + batchId : ""}.csv`;
  download(name, parts);
  progressNode.textContent = `Downloaded ${f.count(fetched)} codes as ${name}.`;
}

function generateForm(campaign, onDone) {
  const countInput = input("count", { type: "number", min: 1, max: 1000000, value: 1000, required: true, wire: "count" });
  const pattern = input("pattern", { value: "****-****", wire: "pattern" });
  const prefix = input("prefix", { wire: "prefix" });
  const suffix = input("suffix", { wire: "suffix" });
  const maxUses = input("maxUses", { type: "number", min: 0, value: 1, wire: "max_uses_per_code" });
  const submit = h("button", { type: "submit" }, "Generate");
  const progress = h("div", { class: "progress", "aria-live": "polite", id: "generate-progress" });
  const form = h("form", { id: "generate-form", class: "sub" },
    h("h3", null, "Generate codes"),
    h("p", { class: "hint" }, "Pattern: # a digit, ? a letter, * a letter or digit, anything else literal."),
    h("div", { class: "row" }, field("Count", countInput), field("Pattern", pattern), field("Prefix", prefix), field("Suffix", suffix),
      field("Max uses per code (0 = unlimited)", maxUses)),
    h("div", { class: "actions" }, submit), progress);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const wanted = f.num(countInput.value);
    const bar = h("progress", { "aria-label": "generating" });
    const text = h("span");
    replace(progress, bar, " ", text);
    const stop = elapsedTicker(text, `Generating ${f.count(wanted)} codes… elapsed`);
    await busy(submit, async () => {
      try {
        const answer = await call("generate", {
          campaignId: campaign.id, count: wanted, pattern: pattern.value, prefix: prefix.value, suffix: suffix.value,
          maxUsesPerCode: String(f.num(maxUses.value)), idempotencyKey: idempotencyKey("console-generate"),
        });
        stop();
        const exportNote = h("span", { class: "note" });
        const get = h("button", { type: "button", id: "download-batch" }, "Download this batch as CSV");
        get.addEventListener("click", () => busy(get, () =>
          exportCsv(campaign, { batchId: answer.batchId }, exportNote).catch((error) => {
            exportNote.textContent = `${error.code}: ${error.message}`;
          })));
        replace(progress, h("p", { class: "ok", id: "generate-result" }, `Generated ${f.count(answer.generated)} codes in batch `,
          h("code", null, answer.batchId || "?"), "."), get, " ", exportNote);
        onDone();
      } catch (error) {
        stop();
        replace(progress);
        showError(form, error);
      }
    }, "Generating…");
  });
  return form;
}

/** Reads the CSV rows: code[,max_uses[,owner_id]]; an optional header row starting with "code". */
function importRows(text) {
  const rows = parseCsv(text);
  const good = [];
  const bad = [];
  rows.forEach((fields, index) => {
    const line = index + 1;
    if (index === 0 && (fields[0] || "").trim().toLowerCase() === "code") return;
    if (fields.length === 1 && fields[0].trim() === "") return;
    const code = (fields[0] || "").trim();
    const maxUsesText = (fields[1] || "").trim();
    if (!code) { bad.push({ line, code, reason: "the code is empty" }); return; }
    if (maxUsesText && !/^\d+$/.test(maxUsesText)) { bad.push({ line, code, reason: `max_uses "${maxUsesText}" is not a whole number` }); return; }
    good.push({ line, code: { code, maxUses: maxUsesText || "0", ownerId: (fields[2] || "").trim() } });
  });
  return { good, bad };
}

function importForm(campaign, onDone) {
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true, "data-wire": "file", id: "import-file" });
  const submit = h("button", { type: "submit" }, "Import");
  const progress = h("div", { class: "progress", "aria-live": "polite", id: "import-progress" });
  const result = h("div", { id: "import-result" });
  const form = h("form", { id: "import-form", class: "sub" },
    h("h3", null, "Import codes from CSV"),
    h("p", { class: "hint" }, "One code per row: code, max_uses (optional, 0 = unlimited), owner_id (optional). A first row starting with \"code\" is a header."),
    field("CSV file", file), h("div", { class: "actions" }, submit), progress, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    replace(result);
    const chosen = file.files[0];
    if (!chosen) { showError(form, new Error("choose a CSV file")); return; }
    await busy(submit, async () => {
      const { good, bad } = importRows(await chosen.text());
      const rejected = [...bad];
      let imported = 0;
      const bar = h("progress", { max: Math.max(1, good.length), value: 0, "aria-label": "import progress" });
      const text = h("span");
      replace(progress, bar, " ", text);
      try {
        for (let start = 0; start < good.length; start += IMPORT_CHUNK) {
          const chunk = good.slice(start, start + IMPORT_CHUNK);
          text.textContent = `Importing rows ${f.count(start + 1)}–${f.count(start + chunk.length)} of ${f.count(good.length)}…`;
          const answer = await call("import_codes", { campaignId: campaign.id, codes: chunk.map((row) => row.code) });
          imported += f.num(answer.imported);
          for (const rejection of answer.rejected || []) {
            const row = chunk[f.num(rejection.index)];
            rejected.push({ line: row ? row.line : "?", code: rejection.code || (row ? row.code.code : ""), reason: rejection.reason || "rejected" });
          }
          bar.value = start + chunk.length;
        }
        text.textContent = `Imported ${f.count(imported)} codes; ${f.count(rejected.length)} rows rejected.`;
      } catch (error) {
        text.textContent = `Stopped after ${f.count(imported)} imported codes.`;
        showError(form, error, result);
        return;
      } finally {
        onDone();
      }
      rejected.sort((a, b) => a.line - b.line);
      replace(result, h("p", { class: rejected.length ? "warn" : "ok", id: "import-summary" },
        `${f.count(imported)} imported, ${f.count(rejected.length)} rejected.`),
        rejected.length ? table([
          { title: "Row", value: (r) => String(r.line), class: "n" },
          { title: "Code", value: (r) => r.code },
          { title: "Why it was rejected", value: (r) => r.reason },
        ], rejected, { id: "import-errors", caption: "Rejected rows" }) : null);
    }, "Importing…");
  });
  return form;
}

function codesBrowser(campaign) {
  const tokens = [""];
  let index = 0;
  let nextToken = "";
  const batch = input("batchId", { placeholder: "all batches", wire: "batch_id", id: "codes-batch" });
  const usage = select("usage", [["CODE_USAGE_ANY", "all codes"], ["CODE_USAGE_USED", "used"], ["CODE_USAGE_UNUSED", "unused"]], "CODE_USAGE_ANY", { id: "codes-usage" });
  const holder = h("div", { "aria-live": "polite" });
  const previous = h("button", { type: "button", id: "codes-prev" }, "‹ Previous");
  const next = h("button", { type: "button", id: "codes-next" }, "Next ›");
  const label = h("span", { class: "page-label" });
  const batchNote = h("span", { class: "note", id: "batch-note", "aria-live": "polite" });
  const exportNote = h("span", { class: "note", id: "export-note", "aria-live": "polite" });
  const exportButton = h("button", { type: "button", id: "export-csv" }, "Export as CSV");
  const filterForm = h("form", { class: "toolbar", id: "codes-filter" }, field("Batch", batch), field("Usage", usage),
    h("button", { type: "submit" }, "Show"), h("span", { class: "spacer" }), exportButton);

  async function load() {
    replace(holder, h("p", { class: "loading" }, "Loading codes…"));
    try {
      const answer = await call("export_codes", { campaignId: campaign.id, batchId: batch.value.trim(), usage: usage.value, pageToken: tokens[index], pageSize: CODES_PAGE });
      nextToken = answer.nextPageToken || "";
      tokens[index + 1] = nextToken;
      previous.disabled = index === 0;
      next.disabled = !nextToken;
      label.textContent = `page ${index + 1}`;
      const codes = answer.codes || [];
      const columns = [
        { title: "Code", value: (c) => h("code", null, c.code) },
        { title: "Status", value: (c) => h("span", { class: `status status-${c.active ? "active" : "off"}` }, c.active ? "on" : "off") },
        { title: "Uses", value: (c) => `${f.count(c.uses)} of ${f.num(c.maxUses) ? f.count(c.maxUses) : "unlimited"}`, class: "n" },
        { title: "Owner", value: (c) => c.ownerId || "—" },
        { title: "Batch", value: (c) => c.batchId || "—" },
        { title: "Created", value: (c) => f.time(c.createdAtMs) },
      ];
      if (session.canEdit) {
        columns.push({ title: "Switch", value: (c) => {
          const button = h("button", { type: "button", class: "small", "data-code": c.code }, c.active ? "Switch off" : "Switch on");
          button.addEventListener("click", () => busy(button, async () => {
            try {
              await call("set_code_status", { code: c.code, active: !c.active });
              await load();
            } catch (error) {
              button.after(h("span", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
            }
          }));
          return button;
        } });
      }
      replace(holder, codes.length ? table(columns, codes, { id: "codes-table" }) : h("p", { class: "muted" }, "No codes."));
    } catch (error) {
      replace(holder);
      showError(filterForm, error, holder);
    }
  }
  filterForm.addEventListener("submit", (event) => { event.preventDefault(); tokens.length = 1; index = 0; load(); });
  previous.addEventListener("click", () => { if (index > 0) { index--; load(); } });
  next.addEventListener("click", () => { if (nextToken) { index++; load(); } });
  exportButton.addEventListener("click", () => busy(exportButton, () =>
    exportCsv(campaign, { batchId: batch.value.trim(), usage: usage.value }, exportNote).catch((error) => {
      replace(exportNote, h("span", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
    }), "Exporting…"));

  const batchSwitch = [];
  if (session.canEdit) {
    const off = h("button", { type: "button", id: "batch-off", class: "secondary" }, "Switch batch off");
    const on = h("button", { type: "button", id: "batch-on", class: "secondary" }, "Switch batch on");
    const run = (button, active) => busy(button, async () => {
      const batchId = batch.value.trim();
      if (!batchId) { replace(batchNote, h("span", { class: "error", role: "alert" }, "Enter a batch id in the Batch field first.")); return; }
      try {
        const answer = await call("set_code_status", { batchId, active });
        batchNote.textContent = `${f.count(answer.changed)} codes of batch ${batchId} switched ${active ? "on" : "off"}.`;
        await load();
      } catch (error) {
        replace(batchNote, h("span", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
      }
    });
    off.addEventListener("click", () => run(off, false));
    on.addEventListener("click", () => run(on, true));
    batchSwitch.push(h("div", { class: "actions" }, off, on, batchNote));
  }
  load();
  return { node: h("div", { class: "sub", id: "codes-browser" }, h("h3", null, "Codes"), filterForm, exportNote, batchSwitch,
    h("div", { class: "toolbar" }, previous, label, next), holder), reload: () => { tokens.length = 1; index = 0; return load(); } };
}

// ---------------------------------------------------------------------------------------------------------
// Report

function fillBuckets(report, widthMs) {
  const byStart = new Map((report.timeline || []).map((b) => [f.num(b.startMs), b]));
  const from = f.num(report.fromMs), to = f.num(report.toMs);
  if (!from || !to || to <= from || (to - from) / widthMs > 2000) return report.timeline || [];
  const buckets = [];
  const first = Math.floor(from / widthMs) * widthMs;
  for (let start = first; start < to; start += widthMs) buckets.push(byStart.get(start) || { startMs: start, redemptions: 0, uniqueUsers: 0 });
  // Buckets aligned otherwise than assumed: show the server's own, never drop one.
  const starts = new Set(buckets.map((b) => f.num(b.startMs)));
  if ([...byStart.keys()].some((start) => !starts.has(start))) return report.timeline || [];
  return buckets;
}

function actorTable(title, id, rows, kind, blocked) {
  const columns = [
    { title: kind, value: (r) => r.key || "(none)" },
    { title: "Redemptions", value: (r) => f.count(r.redemptions), class: "n" },
    { title: "Failed attempts", value: (r) => f.count(r.failures), class: "n" },
  ];
  if (kind === "user") columns.push({ title: "", value: (r) => blockButton(r.key, blocked) });
  return h("div", { class: "top-list" }, h("h4", null, title), rows.length ? table(columns, rows, { id, class: "grid compact" }) : h("p", { class: "muted" }, "none"));
}

function blockButton(userId, blocked) {
  const link = h("a", { href: `#/player/${encodeURIComponent(userId)}` }, "player");
  if (!session.canEdit || !userId) return link;
  const button = h("button", { type: "button", class: "small danger", "data-block-user": userId }, blocked.has(userId) ? "Blocked" : "Block");
  button.disabled = blocked.has(userId);
  button.addEventListener("click", () => busy(button, async () => {
    try {
      await call("block_user", { userId, reason: "blocked from the console's campaign report" });
      blocked.add(userId);
      button.after(h("span", { class: "ok" }, " blocked"));
    } catch (error) {
      button.after(h("span", { class: "error", role: "alert" }, ` ${error.code}: ${error.message}`));
    }
  }).then(() => {
    // The same player may be listed twice (suspicious and top players): every button tells the truth.
    for (const other of document.querySelectorAll("button[data-block-user]")) {
      if (other.dataset.blockUser !== userId) continue;
      other.textContent = blocked.has(userId) ? "Blocked" : "Block";
      other.disabled = blocked.has(userId);
    }
  }));
  return h("span", null, button, " ", link);
}

function renderReport(holder, report, campaign) {
  const widthMs = report.bucket === "BUCKET_WIDTH_DAY" ? DAY : HOUR;
  const blocked = new Set();
  const money = (report.rewardTotals || []).map((m) => f.money(m.amountMinor, m.currency)).join(", ") || "—";
  const deposits = (report.depositTotals || []).map((m) => f.money(m.amountMinor, m.currency)).join(", ") || "—";
  const facts = [
    ["Codes issued", f.count(report.codesIssued)], ["Codes redeemed", f.count(report.codesRedeemed)],
    ["Redemption rate", f.percent(report.redemptionRate)], ["Redemptions in range", f.count(report.redemptions)],
    ["Voided", f.count(report.voided)], ["Players", f.count(report.uniqueUsers)], ["Repeat players", f.count(report.repeatUsers)],
    ["Rewards", money], ["Free spins", f.count(report.freeSpinsGranted)], ["Loyalty points", f.count(report.loyaltyPointsGranted)],
    ["Deposits", deposits], ["Reward / deposit", f.num(report.rewardCostRatio) ? f.percent(report.rewardCostRatio) : "—"],
  ];
  const suspicious = report.suspicious || [];
  replace(holder,
    h("p", { class: "hint" }, `From ${f.time(report.fromMs)} to ${f.time(report.toMs)}.`),
    h("dl", { class: "facts numbers", id: "report-numbers" }, facts.map(([term, value]) => [h("dt", null, term), h("dd", { "data-fact": term }, value)])),
    h("h3", null, "Timeline"),
    timelineChart(fillBuckets(report, widthMs), { widthMs, title: `Redemptions of ${campaign.name}` }),
    h("div", { class: "columns" },
      h("div", null, h("h3", null, "By source"), barList(report.bySource, { title: "Redemptions by source" })),
      h("div", null, h("h3", null, "By affiliate (code owner)"), barList(report.byOwner, { title: "Redemptions by affiliate" })),
      h("div", null, h("h3", null, "Failed attempts by verdict"),
        barList((report.failuresByVerdict || []).map((c) => ({ key: f.enumName(c.key, "VERDICT_"), count: c.count })), { title: "Failures by verdict" }))),
    h("h3", null, "Suspicious"),
    suspicious.length ? table([
      { title: "Kind", value: (r) => r.kind },
      { title: "Key", value: (r) => r.key },
      { title: "Redemptions", value: (r) => f.count(r.redemptions), class: "n" },
      { title: "Failures", value: (r) => f.count(r.failures), class: "n" },
      { title: "Share", value: (r) => f.percent(r.share), class: "n" },
      { title: "Why", value: (r) => r.reason },
      { title: "", value: (r) => (r.kind === "user" ? blockButton(r.key, blocked) : "") },
    ], suspicious, { id: "suspicious-table" }) : h("p", { class: "muted", id: "suspicious-none" }, "Nothing suspicious in this range."),
    h("div", { class: "columns" },
      actorTable("Top IPs", "top-ips", report.topIps || [], "IP", blocked),
      actorTable("Top devices", "top-devices", report.topDevices || [], "device", blocked),
      actorTable("Top players", "top-users", report.topUsers || [], "user", blocked)));
}

function reportSection(campaign) {
  const now = Date.now();
  const from = input("from", { type: "datetime-local", value: f.toInput(now - 2 * DAY), wire: "from_ms", id: "report-from" });
  const to = input("to", { type: "datetime-local", value: "", wire: "to_ms", id: "report-to" });
  const bucket = select("bucket", [["BUCKET_WIDTH_AUTO", "auto"], ["BUCKET_WIDTH_HOUR", "hour"], ["BUCKET_WIDTH_DAY", "day"]], "BUCKET_WIDTH_AUTO", { wire: "bucket" });
  const submit = h("button", { type: "submit", id: "report-load" }, "Show report");
  const quick = [["24 h", DAY], ["48 h", 2 * DAY], ["7 days", 7 * DAY], ["30 days", 30 * DAY], ["all time", 0]].map(([text, span]) => {
    const button = h("button", { type: "button", class: "secondary small" }, text);
    button.addEventListener("click", () => { from.value = span ? f.toInput(Date.now() - span) : ""; to.value = ""; load(); });
    return button;
  });
  const holder = h("div", { id: "report", "aria-live": "polite" });
  const form = h("form", { class: "toolbar", id: "report-form" }, field("From (UTC, empty = start)", from), field("To (UTC, empty = now)", to),
    field("Buckets", bucket), submit, h("span", { class: "quick" }, quick));
  async function load() {
    clearErrors(form);
    replace(holder, h("p", { class: "loading" }, "Loading report…"));
    try {
      const fromMs = f.fromInput(from.value), toMs = f.fromInput(to.value);
      const report = await call("report", { campaignId: campaign.id, fromMs: String(fromMs || 0), toMs: String(toMs || 0), bucket: bucket.value, top: 10 });
      renderReport(holder, report, campaign);
    } catch (error) {
      replace(holder);
      showError(form, error, holder);
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); busy(submit, load); });
  load();
  return { node: section("Report", "report-section", form, holder), load };
}

// ---------------------------------------------------------------------------------------------------------

export async function renderCampaign(container, campaignId, isCurrent) {
  replace(container, h("p", { class: "loading" }, "Loading campaign…"));
  const answer = await call("get_campaign", { campaignId });
  if (!isCurrent()) return;
  let campaign = answer.campaign;
  document.title = `${campaign.name} · promo-service console`;
  const heading = h("h1", { id: "campaign-name" }, campaign.name);
  const badge = h("span", { class: `status status-${f.campaignStatus(campaign)}`, id: "campaign-status" }, f.campaignStatus(campaign));
  const codes = codesBrowser(campaign);
  const report = reportSection(campaign);
  const refresh = () => { codes.reload(); report.load(); };
  const codeParts = [codes.node];
  if (session.canEdit) codeParts.unshift(h("div", { class: "columns two" }, generateForm(campaign, refresh), importForm(campaign, refresh)));
  replace(container,
    h("p", { class: "crumbs" }, h("a", { href: "#/campaigns" }, "Campaigns"), " › ", campaign.id),
    h("div", { class: "title-row" }, heading, badge),
    settingsSection(campaign, (changed) => {
      campaign = changed;
      heading.textContent = changed.name;
      badge.textContent = f.campaignStatus(changed);
      badge.className = `status status-${f.campaignStatus(changed)}`;
    }),
    section("Codes", "codes-section", codeParts),
    report.node);
}
