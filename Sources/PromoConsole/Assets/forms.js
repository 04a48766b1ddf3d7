// Form pieces shared by pages: the reward editor and campaign kinds.
import { h, field, input, select } from "./dom.js";
import { num } from "./format.js";

export const CAMPAIGN_KINDS = [
  ["CAMPAIGN_KIND_WELCOME", "welcome"], ["CAMPAIGN_KIND_DEPOSIT", "deposit"], ["CAMPAIGN_KIND_FREE_SPINS", "free spins"],
  ["CAMPAIGN_KIND_VIP", "VIP"], ["CAMPAIGN_KIND_AFFILIATE", "affiliate"], ["CAMPAIGN_KIND_SEASONAL", "seasonal"],
  ["CAMPAIGN_KIND_OTHER", "other"],
];

export const REWARD_KINDS = [
  ["REWARD_KIND_BONUS", "bonus (fixed amount)"], ["REWARD_KIND_DEPOSIT_MATCH", "deposit match"],
  ["REWARD_KIND_FREE_SPINS", "free spins"], ["REWARD_KIND_LOYALTY_POINTS", "loyalty points"],
];

/** The reward fields; `read()` answers the proto3 JSON Reward. Inputs irrelevant to the kind are hidden. */
export function rewardEditor(initial = {}) {
  const kind = select("rewardKind", REWARD_KINDS, initial.kind || "REWARD_KIND_BONUS", { wire: "reward.kind" });
  const amount = input("amountMinor", { type: "number", min: 1, step: 1, value: initial.amountMinor || "", wire: "amountMinor" });
  const currency = input("currency", { value: initial.currency || "EUR", maxlength: 3, size: 4, wire: "currency", autocapitalize: "characters" });
  const percentInput = input("percent", { type: "number", min: 1, step: 1, value: initial.percent || "", wire: "percent" });
  const cap = input("capMinor", { type: "number", min: 1, step: 1, value: initial.capMinor || "", wire: "capMinor" });
  const spins = input("freeSpins", { type: "number", min: 1, step: 1, value: initial.freeSpins || "", wire: "count" });
  const game = input("gameId", { value: initial.gameId || "", wire: "gameId" });
  const parts = {
    amount: field("Amount (minor units: cents; points for loyalty)", amount),
    currency: field("Currency (ISO 4217)", currency),
    percent: field("Match percent", percentInput),
    cap: field("Match cap (minor units)", cap),
    spins: field("Free spins", spins),
    game: field("Game id", game),
  };
  const shown = {
    REWARD_KIND_BONUS: ["amount", "currency"],
    REWARD_KIND_DEPOSIT_MATCH: ["percent", "cap", "currency"],
    REWARD_KIND_FREE_SPINS: ["spins", "game"],
    REWARD_KIND_LOYALTY_POINTS: ["amount"],
  };
  const sync = () => {
    for (const [name, node] of Object.entries(parts)) node.hidden = !shown[kind.value].includes(name);
  };
  kind.addEventListener("change", sync);
  sync();
  const node = h("fieldset", { class: "reward" }, h("legend", null, "Reward"), field("Kind", kind), Object.values(parts));
  function read() {
    const value = { kind: kind.value };
    switch (kind.value) {
      case "REWARD_KIND_BONUS": value.amountMinor = String(num(amount.value)); value.currency = currency.value.trim().toUpperCase(); break;
      case "REWARD_KIND_DEPOSIT_MATCH":
        value.percent = num(percentInput.value); value.capMinor = String(num(cap.value)); value.currency = currency.value.trim().toUpperCase(); break;
      case "REWARD_KIND_FREE_SPINS": value.freeSpins = num(spins.value); value.gameId = game.value.trim(); break;
      case "REWARD_KIND_LOYALTY_POINTS": value.amountMinor = String(num(amount.value)); break;
    }
    return value;
  }
  return { node, read };
}

/** Splits "a, b c" into ["a", "b", "c"]. */
export function list(text) {
  return text.split(/[\s,]+/).map((part) => part.trim()).filter(Boolean);
}
