// Formatting of proto3 JSON values. 64-bit integers arrive as strings and defaults are omitted, so every
// reader tolerates a missing field.

export const num = (value) => (value === undefined || value === null || value === "" ? 0 : Number(value));

export function count(value) {
  return num(value).toLocaleString("en-US");
}

export function percent(ratio) {
  return `${(num(ratio) * 100).toFixed(1)} %`;
}

/** "2026-12-02 15:04 UTC" from Unix milliseconds; "—" for 0. */
export function time(ms) {
  const value = num(ms);
  if (!value) return "—";
  return new Date(value).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function timeSeconds(ms) {
  const value = num(ms);
  if (!value) return "—";
  return new Date(value).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

/** The value of a datetime-local input (read as UTC) from Unix milliseconds. */
export function toInput(ms) {
  const value = num(ms);
  return value ? new Date(value).toISOString().slice(0, 16) : "";
}

/** Unix milliseconds from a datetime-local input read as UTC; 0 when empty. */
export function fromInput(text) {
  if (!text) return 0;
  const ms = Date.parse(text.length === 16 ? text + ":00Z" : text + "Z");
  return Number.isFinite(ms) ? ms : NaN;
}

export function duration(ms) {
  let rest = Math.max(0, Math.floor(num(ms) / 60000));
  const days = Math.floor(rest / 1440);
  rest -= days * 1440;
  const hours = Math.floor(rest / 60);
  const minutes = rest - hours * 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min`;
}

/** Drops the enum's prefix: CAMPAIGN_KIND_WELCOME -> welcome. */
export function enumName(value, prefix) {
  if (!value) return "unspecified";
  return String(value).replace(prefix, "").toLowerCase().replaceAll("_", " ");
}

function fractionDigits(currency) {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

export function money(minor, currency) {
  const value = num(minor);
  if (!currency) return count(value);
  const digits = fractionDigits(currency);
  const major = value / 10 ** digits;
  return `${major.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** A reward in words: "5.00 EUR bonus", "100 % match up to 50.00 EUR", "20 free spins on starburst". */
export function reward(value) {
  if (!value) return "—";
  switch (value.kind) {
    case "REWARD_KIND_BONUS": return `${money(value.amountMinor, value.currency)} bonus`;
    case "REWARD_KIND_DEPOSIT_MATCH": return `${num(value.percent)} % deposit match up to ${money(value.capMinor, value.currency)}`;
    case "REWARD_KIND_FREE_SPINS": return `${count(value.freeSpins)} free spins on ${value.gameId || "?"}`;
    case "REWARD_KIND_LOYALTY_POINTS": return `${count(value.amountMinor)} loyalty points`;
    default: return "—";
  }
}

/** The budget's unit for a campaign's reward (see Campaign.budget_minor). */
export function budget(minor, rewardValue) {
  const kind = rewardValue && rewardValue.kind;
  if (kind === "REWARD_KIND_BONUS" || kind === "REWARD_KIND_DEPOSIT_MATCH") return money(minor, rewardValue.currency);
  if (kind === "REWARD_KIND_FREE_SPINS") return `${count(minor)} spins`;
  return `${count(minor)} points`;
}

/** Where a campaign stands now: active, scheduled, expired or off. */
export function campaignStatus(campaign, nowMs = Date.now()) {
  const expires = num(campaign.expiresAtMs);
  if (expires && expires <= nowMs) return "expired";
  if (!campaign.active) return "off";
  if (num(campaign.startsAtMs) > nowMs) return "scheduled";
  return "active";
}

export function timeLeft(campaign, nowMs = Date.now()) {
  const expires = num(campaign.expiresAtMs);
  if (!expires) return "no end";
  if (expires <= nowMs) return "expired";
  return duration(expires - nowMs);
}
