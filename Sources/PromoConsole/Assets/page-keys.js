// API keys (admin): every key with its role, create one (the secret is shown once), revoke.
import { call, session } from "./api.js";
import { h, field, input, select, replace, showError, busy, clearErrors, table } from "./dom.js";
import { list } from "./forms.js";
import * as f from "./format.js";

const ROLES = ["analyst", "manager", "admin", "issuer", "redeemer"];

function revokeControl(key, onDone) {
  const button = h("button", { type: "button", class: "small danger", "data-revoke": key.keyId }, "Revoke");
  const holder = h("span", null, button);
  button.addEventListener("click", () => {
    // Two steps instead of a dialog: the first click asks, the second revokes.
    const confirm = h("button", { type: "button", class: "small danger", "data-confirm-revoke": key.keyId }, `Revoke ${key.name || key.keyId} now`);
    const cancel = h("button", { type: "button", class: "small secondary" }, "Keep");
    cancel.addEventListener("click", () => replace(holder, button));
    confirm.addEventListener("click", () => busy(confirm, async () => {
      try {
        await call("revoke_api_key", { keyId: key.keyId });
        onDone();
      } catch (error) {
        holder.append(h("span", { class: "error", role: "alert" }, ` ${error.code}: ${error.message}`));
      }
    }));
    replace(holder, confirm, " ", cancel);
  });
  return holder;
}

export async function renderKeys(container, isCurrent) {
  document.title = "API keys · promo-service console";
  const holder = h("div", { "aria-live": "polite" });
  async function load() {
    try {
      const answer = await call("list_api_keys", {});
      if (!isCurrent()) return;
      const keys = answer.keys || [];
      replace(holder, table([
        // A created key reads pk_<key id>_<secret>: mark the one this tab is signed in with.
        { title: "Name", value: (k) => [k.name || "—", (session.key || "").startsWith(`pk_${k.keyId}_`) ? [" ", h("span", { class: "tag" }, "this tab")] : null] },
        { title: "Role", value: (k) => k.role },
        { title: "Campaigns", value: (k) => (k.campaignIds || []).join(", ") || "all" },
        { title: "Created", value: (k) => f.time(k.createdAtMs) },
        { title: "Key id", value: (k) => h("code", null, k.keyId) },
        { title: "State", value: (k) => h("span", { class: `status status-${k.revoked ? "off" : "active"}` }, k.revoked ? "revoked" : "active") },
        { title: "", value: (k) => (k.revoked ? "" : revokeControl(k, load)) },
      ], keys, { id: "keys-table", rowAttrs: (k) => ({ "data-key-id": k.keyId }) }));
    } catch (error) {
      replace(holder, h("p", { class: "error", role: "alert" }, `${error.code}: ${error.message}`));
    }
  }

  const name = input("name", { required: true, maxlength: 100, wire: "name", id: "key-name" });
  const role = select("role", ROLES, "analyst", { wire: "role", id: "key-role" });
  const campaigns = input("campaignIds", { placeholder: "issuer keys: campaign ids, comma-separated", wire: "campaign", id: "key-campaigns" });
  const submit = h("button", { type: "submit" }, "Create key");
  const secret = h("div", { id: "new-key", "aria-live": "polite" });
  const form = h("form", { class: "card", id: "create-key" }, h("h2", null, "New key"),
    h("div", { class: "row" }, field("Name", name), field("Role", role), field("Campaigns", campaigns)),
    h("div", { class: "actions" }, submit), secret);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    replace(secret);
    await busy(submit, async () => {
      try {
        const answer = await call("create_api_key", { name: name.value.trim(), role: role.value, campaignIds: list(campaigns.value) });
        const value = h("input", { type: "text", readonly: true, value: answer.apiKey, id: "new-key-secret", class: "secret", "aria-label": "new API key" });
        const copy = h("button", { type: "button", class: "small secondary" }, "Copy");
        copy.addEventListener("click", async () => {
          value.select();
          try { await navigator.clipboard.writeText(answer.apiKey); copy.textContent = "Copied"; } catch { copy.textContent = "Select and copy"; }
        });
        replace(secret, h("div", { class: "once" },
          h("p", null, h("strong", null, "Copy this key now: it is shown once and cannot be shown again."), ` Key id ${answer.keyId}.`),
          value, " ", copy));
        name.value = "";
        campaigns.value = "";
        await load();
      } catch (error) {
        showError(form, error);
      }
    }, "Creating…");
  });
  replace(container, h("h1", null, "API keys"), form, h("section", { class: "card" }, h("h2", null, "Keys"), holder));
  await load();
}
