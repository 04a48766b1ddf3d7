// The console shell: sign-in, navigation and hash routing (#/campaigns, #/campaign/<id>, #/player/<user>,
// #/keys, #/audit). Pages render into <main id="view">.
import { hello, session, setUnauthenticatedHandler, ApiError } from "./api.js";
import { h, field, replace, showError, busy } from "./dom.js";
import { renderCampaigns } from "./page-campaigns.js";
import { renderCampaign } from "./page-campaign.js";
import { renderPlayer } from "./page-player.js";
import { renderKeys } from "./page-keys.js";
import { renderAudit } from "./page-audit.js";

const view = document.getElementById("view");
const STAFF_ROLES = ["analyst", "manager", "admin"];

function refusalFor(role) {
  if (role === "redeemer") return "This is a redeemer key (for game servers). The console needs an analyst, manager or admin key.";
  if (role === "issuer") return "This is an issuer key (for affiliate services). The console needs an analyst, manager or admin key.";
  return `This key's role (${role || "none"}) cannot use the console. It needs an analyst, manager or admin key.`;
}

function renderSignIn(message) {
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  document.title = "Sign in · promo-service console";
  const key = h("input", { type: "password", name: "apiKey", "data-wire": "key", autocomplete: "off", required: true, spellcheck: "false" });
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card signin", id: "signin" },
    h("h1", null, "Sign in"),
    h("p", null, "Paste an API key (analyst, manager or admin). It is kept for this tab only and forgotten when the tab closes."),
    message ? h("p", { class: "error", role: "alert" }, message) : null,
    field("API key", key), submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    await busy(submit, async () => {
      try {
        const role = await hello(value);
        if (!STAFF_ROLES.includes(role)) {
          showError(form, new ApiError(403, "PERMISSION_DENIED", refusalFor(role)));
          return;
        }
        session.save(value, role);
        key.value = "";
        if (!location.hash || location.hash === "#/" || location.hash === "#/signin") location.hash = "#/campaigns";
        route();
      } catch (error) {
        showError(form, error);
      }
    }, "Signing in…");
  });
  replace(view, form);
  key.focus();
}

function signOut(message) {
  session.clear();
  renderSignIn(message);
}

setUnauthenticatedHandler((message) => signOut(message));

function showShell(page) {
  const nav = document.getElementById("nav");
  nav.hidden = false;
  for (const link of nav.querySelectorAll("a")) {
    link.hidden = link.hasAttribute("data-admin") && !session.isAdmin;
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.getElementById("who").hidden = false;
  document.getElementById("who-role").textContent = `signed in as ${session.role}`;
}

let routeToken = 0;

async function route() {
  if (!session.key) {
    renderSignIn();
    return;
  }
  // Split before decoding, so that an id containing "/" (encoded as %2F) stays one argument.
  const [page, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  let argument = rest.join("/");
  try { argument = decodeURIComponent(argument); } catch { /* a malformed escape: use it as typed */ }
  const token = ++routeToken;
  const isCurrent = () => token === routeToken;
  const name = page || "campaigns";
  showShell(name === "campaign" ? "campaigns" : name);
  const container = h("div", { class: "page", "data-page": name });
  replace(view, container);
  try {
    switch (name) {
      case "campaigns": await renderCampaigns(container, isCurrent); break;
      case "campaign": await renderCampaign(container, argument, isCurrent); break;
      case "player": await renderPlayer(container, argument, isCurrent); break;
      case "keys": await renderKeys(container, isCurrent); break;
      case "audit": await renderAudit(container, isCurrent); break;
      default: replace(container, h("h1", null, "Not found"), h("p", null, "No such page."));
    }
  } catch (error) {
    if (isCurrent() && session.key) container.append(h("p", { class: "error", role: "alert" }, `${error.code || "ERROR"}: ${error.message}`));
  }
}

document.getElementById("sign-out").addEventListener("click", () => {
  signOut("Signed out.");
  history.replaceState(null, "", "#/signin");
});
window.addEventListener("hashchange", route);
route();
