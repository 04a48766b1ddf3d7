// Campaigns: every campaign with its headline numbers, filtered, sorted and paged; a form to create one.
import { call, session } from "./api.js";
import { h, field, input, select, replace, showError, busy, clearErrors } from "./dom.js";
import { CAMPAIGN_KINDS, rewardEditor } from "./forms.js";
import * as f from "./format.js";

const PAGE_SIZE = 25;
const COMPARE_MAX = 20;   // the server's compareCampaignsMax default
const SCAN_PAGES_MAX = 40; // server pages read at most to fill one filtered page

const state = { filter: "active", sort: "created", descending: true, tokens: [""], pageIndex: 0 };

function matches(campaign, filter, nowMs) {
  const status = f.campaignStatus(campaign, nowMs);
  if (filter === "active") return status === "active" || status === "scheduled";
  if (filter === "expired") return status === "expired";
  return true;
}

/** Reads server pages from `token` until at least one campaign matches the filter (or the list ends). */
async function loadPage(token, filter) {
  const nowMs = Date.now();
  let rows = [];
  let next = token;
  for (let scanned = 0; scanned < SCAN_PAGES_MAX; scanned++) {
    const answer = await call("list_campaigns", { pageToken: next, pageSize: PAGE_SIZE, activeOnly: filter === "active" });
    rows = rows.concat((answer.campaigns || []).filter((c) => matches(c, filter, nowMs)));
    next = answer.nextPageToken || "";
    if (rows.length > 0 || !next) break;
  }
  // Codes issued and redeemed (for the redemption rate) come from compare_campaigns, 20 ids per call.
  const rates = new Map();
  const chunks = [];
  for (let i = 0; i < rows.length; i += COMPARE_MAX) chunks.push(rows.slice(i, i + COMPARE_MAX));
  await Promise.all(chunks.map(async (chunk) => {
    const answer = await call("compare_campaigns", { campaignIds: chunk.map((c) => c.id) });
    for (const row of answer.rows || []) rates.set(row.campaignId, row);
  }));
  return { rows, next, rates };
}

const COLUMNS = [
  { key: "name", title: "Name", sort: (c) => (c.name || "").toLowerCase() },
  { key: "status", title: "Status", sort: (c) => f.campaignStatus(c) },
  { key: "kind", title: "Kind", sort: (c) => c.kind || "" },
  { key: "starts", title: "Starts", sort: (c) => f.num(c.startsAtMs) },
  { key: "expires", title: "Expires", sort: (c) => f.num(c.expiresAtMs) || Infinity },
  { key: "left", title: "Time left", sort: (c) => (f.num(c.expiresAtMs) ? f.num(c.expiresAtMs) - Date.now() : Infinity) },
  { key: "redemptions", title: "Redemptions", sort: (c) => f.num(c.stats?.redemptions), numeric: true },
  { key: "remaining", title: "Remaining", sort: (c) => (c.stats?.unlimited ? Infinity : f.num(c.stats?.remaining)), numeric: true },
  { key: "rate", title: "Redemption rate", sort: (c, rates) => f.num(rates.get(c.id)?.redemptionRate), numeric: true },
  { key: "budget", title: "Budget spent", sort: (c) => f.num(c.stats?.budgetSpentMinor), numeric: true },
];

function cell(key, c, rates) {
  const stats = c.stats || {};
  switch (key) {
    case "name": return h("a", { href: `#/campaign/${encodeURIComponent(c.id)}`, class: "campaign-link" }, c.name || c.id);
    case "status": { const status = f.campaignStatus(c); return h("span", { class: `status status-${status}` }, status); }
    case "kind": return f.enumName(c.kind, "CAMPAIGN_KIND_");
    case "starts": return f.time(c.startsAtMs);
    case "expires": return f.num(c.expiresAtMs) ? f.time(c.expiresAtMs) : "never";
    case "left": return f.timeLeft(c);
    case "redemptions": return f.count(stats.redemptions);
    case "remaining": return stats.unlimited ? "unlimited" : f.count(stats.remaining);
    case "rate": {
      const row = rates.get(c.id);
      if (!row) return "—";
      return h("span", { title: `${f.count(row.codesRedeemed)} of ${f.count(row.codesIssued)} codes redeemed` }, f.percent(row.redemptionRate));
    }
    case "budget":
      return f.num(c.budgetMinor) ? `${f.budget(stats.budgetSpentMinor, c.reward)} of ${f.budget(c.budgetMinor, c.reward)}` : `${f.budget(stats.budgetSpentMinor, c.reward)} (no budget)`;
  }
  return "";
}

function renderTable(holder, page) {
  const column = COLUMNS.find((c) => c.key === state.sort);
  const rows = [...page.rows];
  if (column) {
    rows.sort((a, b) => {
      const x = column.sort(a, page.rates), y = column.sort(b, page.rates);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return state.descending ? -order : order;
    });
  }
  const header = h("tr", null, COLUMNS.map((col) => {
    const sorted = state.sort === col.key;
    const button = h("button", { type: "button", class: "sort", "data-sort": col.key }, col.title, sorted ? (state.descending ? " ▼" : " ▲") : "");
    button.addEventListener("click", () => {
      if (state.sort === col.key) state.descending = !state.descending;
      else { state.sort = col.key; state.descending = Boolean(col.numeric); }
      renderTable(holder, page);
    });
    return h("th", { scope: "col", class: col.numeric ? "n" : null, "aria-sort": sorted ? (state.descending ? "descending" : "ascending") : "none" }, button);
  }));
  const body = h("tbody", null, rows.map((c) => h("tr", { "data-campaign-id": c.id },
    COLUMNS.map((col) => h("td", { class: col.numeric ? "n" : null, "data-col": col.key }, cell(col.key, c, page.rates))))));
  const tableNode = h("table", { class: "grid", id: "campaigns-table" }, h("thead", null, header), body);
  replace(holder, rows.length ? tableNode : h("p", { class: "muted", id: "campaigns-empty" }, "No campaigns match this filter."));
}

function createForm(onCreated) {
  const name = input("name", { required: true, maxlength: 200, wire: "campaign.name" });
  const kind = select("kind", CAMPAIGN_KINDS, "CAMPAIGN_KIND_WELCOME", { wire: "campaign.kind" });
  const reward = rewardEditor();
  const starts = input("startsAt", { type: "datetime-local", value: f.toInput(Date.now()), wire: "startsAtMs" });
  const expires = input("expiresAt", { type: "datetime-local", value: f.toInput(Date.now() + 30 * 86400000), wire: "expiresAtMs" });
  const maxRedemptions = input("maxRedemptions", { type: "number", min: 0, step: 1, value: 0, wire: "max_redemptions" });
  const maxPerUser = input("maxPerUser", { type: "number", min: 0, step: 1, value: 1, wire: "max_per_user" });
  const budget = input("budgetMinor", { type: "number", min: 0, step: 1, value: 0, wire: "budget_minor" });
  const source = input("source", { maxlength: 64, wire: "campaign.source" });
  const code = input("code", { maxlength: 64, wire: "code" });
  const active = h("input", { type: "checkbox", name: "active", checked: true });
  const submit = h("button", { type: "submit" }, "Create campaign");
  const form = h("form", { class: "card", id: "create-campaign" },
    h("h2", null, "New campaign"),
    h("div", { class: "row" }, field("Name", name), field("Kind", kind)),
    reward.node,
    h("div", { class: "row" }, field("Starts (UTC)", starts), field("Expires (UTC, empty = never)", expires)),
    h("div", { class: "row" },
      field("Max redemptions (0 = unlimited)", maxRedemptions), field("Max per player (0 = unlimited)", maxPerUser),
      field("Budget (reward unit, 0 = none)", budget)),
    h("div", { class: "row" }, field("Source", source), field("Shared code (optional)", code)),
    h("label", { class: "check" }, active, " active"),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(submit, async () => {
      try {
        const campaign = {
          name: name.value.trim(), kind: kind.value, reward: reward.read(), active: active.checked,
          startsAtMs: String(f.fromInput(starts.value)), expiresAtMs: String(f.fromInput(expires.value)),
          maxRedemptions: String(f.num(maxRedemptions.value)), maxPerUser: f.num(maxPerUser.value),
          budgetMinor: String(f.num(budget.value)), source: source.value.trim(),
        };
        const answer = await call("create_campaign", { campaign, code: code.value.trim() });
        onCreated(answer.campaign);
      } catch (error) {
        showError(form, error);
      }
    }, "Creating…");
  });
  return form;
}

export async function renderCampaigns(container, isCurrent) {
  document.title = "Campaigns · promo-service console";
  const holder = h("div", { class: "table-holder", "aria-live": "polite" }, h("p", { class: "loading" }, "Loading campaigns…"));
  const pageLabel = h("span", { class: "page-label" });
  const previous = h("button", { type: "button", id: "campaigns-prev" }, "‹ Previous");
  const next = h("button", { type: "button", id: "campaigns-next" }, "Next ›");
  const filters = h("div", { class: "segmented", role: "group", "aria-label": "Filter" }, ["active", "expired", "all"].map((value) =>
    h("button", { type: "button", "data-filter": value, "aria-pressed": String(state.filter === value) }, value)));
  let current = null;

  async function load() {
    replace(holder, h("p", { class: "loading" }, "Loading campaigns…"));
    try {
      current = await loadPage(state.tokens[state.pageIndex], state.filter);
      if (!isCurrent()) return;
      state.tokens[state.pageIndex + 1] = current.next;
      previous.disabled = state.pageIndex === 0;
      next.disabled = !current.next;
      pageLabel.textContent = `page ${state.pageIndex + 1}`;
      renderTable(holder, current);
    } catch (error) {
      replace(holder, h("p", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
    }
  }
  for (const button of filters.querySelectorAll("button")) {
    button.addEventListener("click", () => {
      state.filter = button.dataset.filter;
      state.tokens = [""];
      state.pageIndex = 0;
      for (const other of filters.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === button));
      load();
    });
  }
  previous.addEventListener("click", () => { if (state.pageIndex > 0) { state.pageIndex--; load(); } });
  next.addEventListener("click", () => { if (current?.next) { state.pageIndex++; load(); } });

  const toggleCreate = h("button", { type: "button", id: "new-campaign" }, "New campaign");
  const createHolder = h("div");
  toggleCreate.addEventListener("click", () => {
    if (createHolder.firstChild) { replace(createHolder); return; }
    replace(createHolder, createForm((campaign) => { location.hash = `#/campaign/${encodeURIComponent(campaign.id)}`; }));
    createHolder.querySelector("input")?.focus();
  });
  replace(container,
    h("div", { class: "title-row" }, h("h1", null, "Campaigns"), session.canEdit ? toggleCreate : null),
    createHolder,
    h("div", { class: "toolbar" }, filters, h("span", { class: "spacer" }), previous, pageLabel, next),
    holder);
  await load();
}
