// The finest-level districts with the most open incidents; a click zooms to one.
import { isOpen } from "../model.js";
import { t } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";

const SHOWN = 6;

export function renderTopDistricts(list, districts) {
  const level = districts.finest;
  const counts = new Map();
  for (const inc of list) if (isOpen(inc.status)) for (const d of inc.districts) if (d.level === level) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  setHTML($("top"), top.length ? top.map(([code, n]) => `<li data-code="${esc(code)}"><span>${esc(districts.name(level, code))}</span><b>${n}</b></li>`).join("")
    : `<li class="none muted">${esc(t("none"))}</li>`);
}

export function zoomToPickedDistrict(map, districts) {
  $("top").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-code]");
    const d = li && districts.get(districts.finest, li.dataset.code);
    if (d) map.fitBounds(d.bbox, { padding: 60, maxZoom: 15 });
  });
}
