// The feed: the newest incidents that pass the filter, new ones marked; a click picks one.
import { STATUS_NAMES, statusGroup } from "../model.js";
import { t, ago, typeName } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";

const FEED_SIZE = 60;

export function renderFeed(list, now, { fresh, districts }) {
  const newest = list.slice().sort((a, b) => b.last - a.last || b.id - a.id).slice(0, FEED_SIZE);
  setHTML($("feed"), newest.map((inc) => {
    const g = statusGroup(inc.status);
    const what = inc.headline || inc.title || (inc.type ? typeName(inc.type) : t("cat_" + inc.category));
    return `<li data-id="${inc.id}" data-status="${STATUS_NAMES[inc.status]}" class="${fresh.has(inc.id) ? "fresh" : ""}">` +
      `<span class="sw g-${g}" title="${esc(t("group_" + g))}"></span><span class="what">${esc(what)}</span>` +
      `<span class="st g-${g}">${esc(t("st_" + inc.status))}</span>` +
      `<span class="where"><span>${esc(inc.type ? typeName(inc.type) : t("cat_" + inc.category))} · ${esc(t("sev_" + inc.severity))}</span><span>${esc(districts.placeOf(inc))}</span>` +
      `<span class="age">${esc(ago(now - inc.last))}</span>${inc.reports > 1 ? `<span>×${inc.reports}</span>` : ""}</span></li>`;
  }).join(""));
}

// onPick(id): a row was clicked.
export function onFeedPick(onPick) {
  $("feed").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-id]");
    if (li) onPick(Number(li.dataset.id));
  });
}
