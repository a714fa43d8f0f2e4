// Open incidents by category × severity, with totals.
import { CATEGORIES, CATEGORY_NAMES, CATEGORY_COLOURS, isOpen } from "../model.js";
import { t, windowName } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";

const SEVERITIES = [4, 3, 2, 1, 0];  // extreme first

// Under a time window the heading says so: a kiosk wall has no form to show it, and its totals
// must not be read as every open incident of the city.
export function renderCounters(list, timeWindow) {
  const heading = timeWindow ? t("counters_within", { window: windowName(timeWindow) }) : t("counters");
  if ($("counters-h").textContent !== heading) $("counters-h").textContent = heading;
  const cell = new Map();
  for (const inc of list) if (isOpen(inc.status)) {
    const k = `${inc.category}/${inc.severity}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
  }
  const head = `<tr><th></th>${SEVERITIES.map((s) => `<th title="${esc(t("sev_" + s))}">${esc(s ? t("sev_" + s) : "?")}</th>`).join("")}<th>Σ</th></tr>`;
  const totals = SEVERITIES.map(() => 0);
  const rows = CATEGORIES.map((c) => {
    let sum = 0;
    const tds = SEVERITIES.map((s, i) => { const n = cell.get(`${c}/${s}`) ?? 0; sum += n; totals[i] += n; return `<td>${n}</td>`; }).join("");
    return `<tr data-cat="${CATEGORY_NAMES[c]}"><td><span class="sw" style="background:${CATEGORY_COLOURS[c]}"></span> ${esc(t("cat_" + c))}</td>${tds}<td><b>${sum}</b></td></tr>`;
  }).join("");
  const all = totals.reduce((a, b) => a + b, 0);
  setHTML($("counters"), `<table>${head}${rows}<tr class="total"><td>Σ</td>${totals.map((n) => `<td>${n}</td>`).join("")}<td data-testid="open-total">${all}</td></tr></table>`);
}
