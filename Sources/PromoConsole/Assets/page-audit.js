// The audit log (admin): every back-office change, newest first, filtered and paged.
import { call } from "./api.js";
import { h, field, input, replace, showError, busy, clearErrors, table } from "./dom.js";
import * as f from "./format.js";

const PAGE = 50;

export async function renderAudit(container, isCurrent) {
  document.title = "Audit log · promo-service console";
  const actor = input("actor", { placeholder: "key id", wire: "actor", id: "audit-actor" });
  const action = input("action", { placeholder: "e.g. create_campaign", wire: "action", id: "audit-action", list: "audit-actions" });
  const target = input("target", { placeholder: "campaign id, code, redemption id…", wire: "target", id: "audit-target" });
  const from = input("from", { type: "datetime-local", wire: "from_ms", id: "audit-from" });
  const to = input("to", { type: "datetime-local", wire: "to_ms", id: "audit-to" });
  const actions = h("datalist", { id: "audit-actions" }, ["create_campaign", "update_campaign", "generate", "import_codes", "set_code_status",
    "void_redemption", "write_off", "grant_reward", "block_user", "unblock_user", "create_api_key", "revoke_api_key", "backup"].map((a) => h("option", { value: a })));
  const submit = h("button", { type: "submit" }, "Filter");
  const form = h("form", { class: "toolbar", id: "audit-filter" }, field("Actor", actor), field("Action", action), actions, field("Target", target),
    field("From (UTC)", from), field("To (UTC)", to), submit);
  const holder = h("div", { "aria-live": "polite" });
  const previous = h("button", { type: "button", id: "audit-prev" }, "‹ Newer");
  const next = h("button", { type: "button", id: "audit-next" }, "Older ›");
  const label = h("span", { class: "page-label" });
  const tokens = [""];
  let index = 0;
  let nextToken = "";

  async function load() {
    clearErrors(form);
    replace(holder, h("p", { class: "loading" }, "Loading the audit log…"));
    try {
      const answer = await call("audit_log", {
        actorKeyId: actor.value.trim(), action: action.value.trim(), target: target.value.trim(),
        fromMs: String(f.fromInput(from.value) || 0), toMs: String(f.fromInput(to.value) || 0), pageToken: tokens[index], pageSize: PAGE,
      });
      if (!isCurrent()) return;
      nextToken = answer.nextPageToken || "";
      tokens[index + 1] = nextToken;
      previous.disabled = index === 0;
      next.disabled = !nextToken;
      label.textContent = `page ${index + 1}`;
      const entries = answer.entries || [];
      replace(holder, entries.length ? table([
        { title: "When", value: (e) => f.timeSeconds(e.atMs) },
        { title: "Actor", value: (e) => h("code", null, e.actorKeyId) },
        { title: "Action", value: (e) => e.action },
        { title: "Target", value: (e) => e.target },
        { title: "Detail", value: (e) => e.detail },
      ], entries, { id: "audit-table", rowAttrs: (e) => ({ "data-action": e.action }) }) : h("p", { class: "muted" }, "No entries match."));
    } catch (error) {
      replace(holder);
      showError(form, error, holder);
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); tokens.length = 1; index = 0; busy(submit, load); });
  previous.addEventListener("click", () => { if (index > 0) { index--; load(); } });
  next.addEventListener("click", () => { if (nextToken) { index++; load(); } });
  replace(container, h("h1", null, "Audit log"), form, h("div", { class: "toolbar" }, previous, label, next), holder);
  await load();
}
