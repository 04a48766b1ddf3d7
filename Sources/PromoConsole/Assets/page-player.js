// One player: reward history (redemptions, grants, voids), credit a reward, write off or void, block/unblock.
import { call, session, idempotencyKey } from "./api.js";
import { h, field, input, replace, showError, busy, clearErrors, table } from "./dom.js";
import { rewardEditor } from "./forms.js";
import * as f from "./format.js";

const HISTORY_PAGE = 50;
const BLOCKS_PAGE = 500;
const BLOCK_PAGES_MAX = 20; // blocks in force read at most to find this player's

function lookupForm(userId) {
  const user = input("userId", { value: userId || "", required: true, placeholder: "player id", wire: "user_id", id: "player-id" });
  const form = h("form", { class: "toolbar", id: "player-lookup" }, field("Player id", user), h("button", { type: "submit" }, "Look up"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = user.value.trim();
    if (value) location.hash = `#/player/${encodeURIComponent(value)}`;
  });
  return form;
}

async function blocksOf(userId) {
  const found = [];
  let token = "";
  let pages = 0;
  do {
    const answer = await call("list_blocks", { pageToken: token, pageSize: BLOCKS_PAGE });
    for (const block of answer.blocks || []) if (block.userId === userId) found.push(block);
    token = answer.nextPageToken || "";
  } while (token && ++pages < BLOCK_PAGES_MAX);
  return { found, complete: !token };
}

function blockSection(userId) {
  const holder = h("div", { id: "player-blocks", "aria-live": "polite" });
  async function load() {
    replace(holder, h("p", { class: "loading" }, "Loading blocks…"));
    try {
      const { found, complete } = await blocksOf(userId);
      const columns = [
        { title: "Scope", value: (b) => (b.campaignId ? h("a", { href: `#/campaign/${encodeURIComponent(b.campaignId)}` }, `campaign ${b.campaignId}`) : "every campaign") },
        { title: "Reason", value: (b) => b.reason },
        { title: "Until", value: (b) => (f.num(b.untilMs) ? f.time(b.untilMs) : "indefinitely") },
        { title: "Since", value: (b) => f.time(b.createdAtMs) },
        { title: "By key", value: (b) => b.createdBy || "—" },
      ];
      if (session.canEdit) {
        columns.push({ title: "", value: (b) => {
          const button = h("button", { type: "button", class: "small", "data-unblock": b.campaignId || "" }, "Unblock");
          button.addEventListener("click", () => busy(button, async () => {
            try {
              await call("unblock_user", { userId, campaignId: b.campaignId || "" });
              await load();
            } catch (error) {
              button.after(h("span", { class: "error", role: "alert" }, ` ${error.code}: ${error.message}`));
            }
          }));
          return button;
        } });
      }
      replace(holder,
        h("p", { id: "block-state", class: found.length ? "warn" : "ok" }, found.length ? `Blocked (${found.length} block${found.length > 1 ? "s" : ""} in force).` : "Not blocked."),
        complete ? null : h("p", { class: "hint" }, "Only the newest blocks were searched."),
        found.length ? table(columns, found, { id: "blocks-table" }) : null,
        session.canEdit ? blockForm(userId, load) : null);
    } catch (error) {
      replace(holder, h("p", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
    }
  }
  load();
  return h("section", { class: "card", id: "block-section" }, h("h2", null, "Block"), holder);
}

function blockForm(userId, onDone) {
  const reason = input("reason", { required: true, maxlength: 500, wire: "reason", id: "block-reason" });
  const until = input("until", { type: "datetime-local", wire: "until_ms" });
  const campaign = input("campaignId", { placeholder: "every campaign", wire: "campaign", id: "block-campaign" });
  const submit = h("button", { type: "submit", class: "danger" }, "Block player");
  const form = h("form", { id: "block-form", class: "sub" },
    h("div", { class: "row" }, field("Reason", reason), field("Until (UTC, empty = indefinitely)", until), field("Only campaign (optional)", campaign)),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(submit, async () => {
      try {
        await call("block_user", { userId, reason: reason.value.trim(), untilMs: String(f.fromInput(until.value) || 0), campaignId: campaign.value.trim() });
        await onDone();
      } catch (error) {
        showError(form, error);
      }
    });
  });
  return form;
}

function grantSection(userId, onGranted) {
  const reward = rewardEditor();
  const reason = input("reason", { required: true, maxlength: 500, wire: "reason", id: "grant-reason" });
  const campaign = input("campaignId", { placeholder: "none", wire: "campaign", id: "grant-campaign" });
  const submit = h("button", { type: "submit" }, "Credit reward");
  const note = h("p", { class: "note", "aria-live": "polite", id: "grant-note" });
  const form = h("form", { id: "grant-form" },
    reward.node, h("div", { class: "row" }, field("Reason (required)", reason), field("Charge campaign budget (optional)", campaign)),
    h("div", { class: "actions" }, submit), note);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    note.textContent = "";
    await busy(submit, async () => {
      try {
        const answer = await call("grant_reward", {
          user: { userId }, reward: reward.read(), reason: reason.value.trim(), campaignId: campaign.value.trim(),
          idempotencyKey: idempotencyKey("console-grant"),
        });
        note.textContent = `Credited: ${f.reward(answer.reward)} (${answer.redemptionId}).`;
        reason.value = "";
        onGranted();
      } catch (error) {
        showError(form, error);
      }
    }, "Crediting…");
  });
  return h("section", { class: "card", id: "grant-section" }, h("h2", null, "Credit a reward"), form);
}

function voidControl(redemption, onDone) {
  const isGrant = Boolean(redemption.grant);
  const reason = h("input", { name: "reason", placeholder: "reason", required: true, "data-wire": "reason", class: "inline", "aria-label": "reason" });
  const button = h("button", { type: "submit", class: "small danger" }, isGrant ? "Write off" : "Void");
  const form = h("form", { class: "inline-form", "data-void": redemption.redemptionId }, reason, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(button, async () => {
      try {
        await call("void_redemption", { redemptionId: redemption.redemptionId, reason: reason.value.trim() });
        onDone();
      } catch (error) {
        showError(form, error);
      }
    });
  });
  return form;
}

function historySection(userId) {
  const tokens = [""];
  let index = 0;
  let nextToken = "";
  const holder = h("div", { "aria-live": "polite" });
  const previous = h("button", { type: "button" }, "‹ Previous");
  const next = h("button", { type: "button" }, "Next ›");
  const label = h("span", { class: "page-label" });
  async function load() {
    replace(holder, h("p", { class: "loading" }, "Loading reward history…"));
    try {
      const answer = await call("reward_history", { userId, pageToken: tokens[index], pageSize: HISTORY_PAGE });
      nextToken = answer.nextPageToken || "";
      tokens[index + 1] = nextToken;
      previous.disabled = index === 0;
      next.disabled = !nextToken;
      label.textContent = `page ${index + 1}`;
      const rows = answer.redemptions || [];
      const columns = [
        { title: "When", value: (r) => f.time(r.redeemedAtMs) },
        { title: "What", value: (r) => (r.grant ? h("span", { class: "tag" }, "grant") : h("code", null, r.code || "(no code)")) },
        { title: "Campaign", value: (r) => (r.campaignId ? h("a", { href: `#/campaign/${encodeURIComponent(r.campaignId)}` }, r.campaignId) : "—") },
        { title: "Reward", value: (r) => f.reward(r.reward) },
        { title: "Source / reason", value: (r) => (r.grant ? `${r.reason || ""}${r.grantedBy ? ` (by ${r.grantedBy})` : ""}` : r.source || "—") },
        { title: "State", value: (r) => (r.voided
          ? h("span", { class: "status status-off" }, `${r.grant ? "written off" : "voided"} ${f.time(r.voidedAtMs)}: ${r.voidReason || ""}`)
          : h("span", { class: "status status-active" }, "standing")) },
        { title: "Id", value: (r) => h("small", null, r.redemptionId) },
      ];
      if (session.canEdit) columns.push({ title: "Write off / void", value: (r) => (r.voided ? "" : voidControl(r, load)) });
      replace(holder, rows.length
        ? table(columns, rows, { id: "history-table", rowAttrs: (r) => ({ "data-redemption": r.redemptionId, "data-grant": r.grant ? "true" : "false" }) })
        : h("p", { class: "muted", id: "history-empty" }, "No rewards yet."));
    } catch (error) {
      replace(holder, h("p", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
    }
  }
  previous.addEventListener("click", () => { if (index > 0) { index--; load(); } });
  next.addEventListener("click", () => { if (nextToken) { index++; load(); } });
  load();
  return { node: h("section", { class: "card", id: "history-section" }, h("h2", null, "Reward history"),
    h("div", { class: "toolbar" }, previous, label, next), holder), reload: () => { tokens.length = 1; index = 0; return load(); } };
}

export async function renderPlayer(container, userId, isCurrent) {
  document.title = `${userId ? userId + " · " : ""}Player · promo-service console`;
  if (!userId) {
    replace(container, h("h1", null, "Player"), h("p", null, "Look up a player by id to see their rewards, credit or write off a reward, or block them."), lookupForm(""));
    return;
  }
  const history = historySection(userId);
  if (!isCurrent()) return;
  replace(container,
    h("h1", null, "Player ", h("span", { id: "player-name" }, userId)),
    lookupForm(userId),
    session.canEdit ? blockSection(userId) : null,
    session.canEdit ? grantSection(userId, () => history.reload()) : null,
    history.node);
}
