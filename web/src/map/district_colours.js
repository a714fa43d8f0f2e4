// Colours each district by the chosen metric (five classes per level) and marks the alerted
// ones, through feature state; and draws the legend for the level the eye is on.
import { isOpen } from "../model.js";
import { t, lang } from "../i18n.js";
import { $, esc } from "../dom.js";
import { FINE_ZOOM } from "./wall_map.js";
import { RAMP, ALERT_COLOUR } from "./district_layers.js";

export const METRICS = ["open", "reports_1h", "per_km2"];

// The metric per district ("level/code"), from the incidents that pass the filter.
function metricValues(list, metric, districts, stats) {
  const open = new Map();
  for (const inc of list) {
    if (!isOpen(inc.status)) continue;
    for (const d of inc.districts) open.set(`${d.level}/${d.code}`, (open.get(`${d.level}/${d.code}`) ?? 0) + 1);
  }
  const values = new Map();
  for (const [level, byCode] of districts.byLevel) for (const d of byCode.values()) {
    const key = `${level}/${d.code}`;
    let v = 0;
    if (metric === "open") v = open.get(key) ?? 0;
    else if (metric === "reports_1h") v = stats.get(key)?.reports1h ?? 0;
    else v = d.area > 0 ? (open.get(key) ?? 0) / d.area : 0;
    values.set(key, v);
  }
  return values;
}

// Five class bounds up to max; counts get whole-number bounds (repeats collapse in the legend).
function niceBreaks(max, whole) {
  if (max <= 0) return [0, 0, 0, 0, 0];
  const raw = [0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max);
  const round = (x) => (whole || max >= 10 ? Math.ceil(x) : Math.ceil(x * 10) / 10);
  return raw.map(round);
}

export function createDistrictColours({ map, districts, store }) {
  let legendKey = "";
  return function colourDistricts(list, metric) {
    const values = metricValues(list, metric, districts, store.stats);
    const byLevelMax = new Map();
    for (const [key, v] of values) { const level = key.split("/")[0]; byLevelMax.set(level, Math.max(byLevelMax.get(level) ?? 0, v)); }
    const breaksByLevel = new Map([...byLevelMax].map(([l, m]) => [l, niceBreaks(m, metric !== "per_km2")]));
    const alerted = new Set([...store.alerts.values()].map((a) => `${a.level}/${a.code}`));
    for (const [key, v] of values) {
      const [level, code] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
      const br = breaksByLevel.get(level);
      let b = 0;
      if (v > 0) { b = 1; while (b < 5 && v > br[b - 1]) b++; }
      map.setFeatureState({ source: `d-${level}`, id: code }, { b, alert: alerted.has(key) });
    }
    const shown = districts.levels.length > 1 && map.getZoom() < FINE_ZOOM ? districts.levels[1] : districts.levels[0];
    const br = breaksByLevel.get(shown) ?? [0, 0, 0, 0, 0];
    const key = `${metric}|${shown}|${br.join()}|${lang}`;
    if (key === legendKey) return;
    legendKey = key;
    drawLegend(metric, shown, br);
  };
}

function drawLegend(metric, level, br) {
  const fmt = (x) => (metric === "per_km2" ? x.toFixed(1) : String(Math.round(x)));
  const rows = [`<div class="row"><span class="box" style="background:${RAMP[0]}"></span>0</div>`];
  let lo = 0;
  for (let k = 1; k <= 5; k++) {
    if (br[k - 1] <= lo && k > 1) continue;
    rows.push(`<div class="row"><span class="box" style="background:${RAMP[k]}"></span>${lo === 0 && k === 1 ? "&gt; 0" : fmt(lo)} – ${fmt(br[k - 1])}</div>`);
    lo = br[k - 1];
  }
  const status = ["waiting", "in_process", "done"].map((g) => `<span><span class="sw g-${g}"></span> ${esc(t("group_" + g))}</span>`).join("");
  $("legend").innerHTML = `<h3>${esc(t("metric_" + metric))} · ${esc(level)}</h3>${rows.join("")}` +
    `<div class="row" style="margin-top:4px"><span class="box" style="background:${ALERT_COLOUR}40;border:2px solid ${ALERT_COLOUR}"></span>${esc(t("alerts"))}</div>` +
    `<div class="status">${status}</div>`;
}
