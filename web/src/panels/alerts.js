// Active alerts: the panel's list (the eight largest) and the banner above the map.
import { t, typeName, windowName } from "../i18n.js";
import { CATEGORY_NAMES } from "../model.js";
import { $, setHTML, esc } from "../dom.js";

export function renderAlerts(alerts, districts) {
  const active = [...alerts.values()].sort((a, b) => b.count - a.count);
  // An alert on a category rather than one report type names the category (the rule's match is
  // the category's name then, or none), one on every report says "reports".
  const what = (a) => {
    const cat = a.what ? CATEGORY_NAMES.indexOf(a.what) : a.category;
    if (cat > 0) return t("cat_" + cat);
    return a.what && a.what !== "*" ? typeName(a.what) : t("reports");
  };
  const text = (a) => t("alert_text", { district: districts.name(a.level, a.code), count: a.count, what: what(a), window: windowName(a.window), threshold: a.threshold });
  setHTML($("alerts"), active.length ? active.slice(0, 8).map((a) => `<li>⚠ ${esc(text(a))}</li>`).join("") : `<li class="none">${esc(t("no_alerts"))}</li>`);
  const banner = $("alert-banner");
  banner.hidden = !active.length;
  if (active.length) banner.textContent = `⚠ ${t("alerts")} (${active.length}): ` + active.slice(0, 4).map(text).join(" · ");
}
