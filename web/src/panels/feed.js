// The feed: the newest incidents that pass the filter, new ones marked; a click picks one.
import { STATUS_NAMES, statusGroup, magnitudeOf } from "../model.js";
import { t, ago, typeName, sourceName, timeLeft } from "../i18n.js";
import { $, setHTML, esc, onRowPick } from "../dom.js";
import { overdueBadge } from "./agencies.js";

const FEED_SIZE = 60;

export function renderFeed(list, now, { fresh, districts }) {
  const newest = list.slice().sort((a, b) => b.last - a.last || b.id - a.id).slice(0, FEED_SIZE);
  setHTML($("feed"), newest.map((inc) => {
    const g = statusGroup(inc.status);
    const what = inc.headline || inc.title || (inc.type ? typeName(inc.type) : t("cat_" + inc.category));
    return `<li data-id="${inc.id}" data-status="${STATUS_NAMES[inc.status]}" class="${fresh.has(inc.id) ? "fresh" : ""}">` +
      `<span class="sw g-${g}" title="${esc(t("group_" + g))}"></span><span class="what">${overdueBadge(inc)}${magnitudeHtml(inc)}${esc(what)}</span>` +
      `<span class="st g-${g}">${esc(t("st_" + inc.status))}</span>` +
      `<span class="where"><span>${esc(inc.type ? typeName(inc.type) : t("cat_" + inc.category))} · ${esc(t("sev_" + inc.severity))}</span><span>${esc(districts.placeOf(inc))}</span>` +
      `<span class="age">${esc(ago(now - inc.last))}</span>${inc.reports > 1 ? `<span>×${inc.reports}</span>` : ""}</span>` +
      alertLine(inc, now) + `</li>`;
  }).join(""));
}

// onPick(id): a row was clicked.
export function onFeedPick(onPick) { onRowPick($("feed"), onPick); }

// An alert's sender (its first source) and the time it has left, under the row.
export function alertLine(inc, now) {
  if (!inc.area && !inc.expires && !inc.headline) return "";
  const sender = inc.sources.length ? `<span class="sender">${esc(t("sender"))}: ${esc(sourceName(inc.sources[0]))}</span>` : "";
  const left = inc.expires ? `<span class="left" data-expires="${inc.expires}">${esc(timeLeft(inc.expires, now))}</span>` : "";
  return `<span class="alert-line">${sender}${left}</span>`;
}

export function magnitudeHtml(inc) {
  const m = magnitudeOf(inc);
  return m === null ? "" : `<b class="mag">M ${m.toFixed(1)}</b> `;
}

// The countdowns tick every second in place, without a render pass.
export function tickTimeLeft(now) {
  for (const el of document.querySelectorAll("[data-expires]")) {
    const text = timeLeft(Number(el.dataset.expires), now);
    if (el.textContent !== text) el.textContent = text;
  }
}
