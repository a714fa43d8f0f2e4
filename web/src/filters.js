// The filter form and the district metric selector. Both live in the URL (cat, type, sev,
// district, agency, last, metric), so a wall can be bookmarked; the filter itself is view.filter,
// the shape Subscribe sends plus the time window the page applies alone (model.js).
import { CATEGORIES, CATEGORY_NAMES, SEVERITY_NAMES, TIME_WINDOWS, filterFromUrl, filterToParams } from "./model.js";
import { METRICS } from "./map/district_colours.js";
import { t, typeName, windowName } from "./i18n.js";
import { $, esc } from "./dom.js";

export function viewFromUrl(params) {
  return {
    filter: filterFromUrl(params),
    metric: METRICS.includes(params.get("metric")) ? params.get("metric") : "open",
  };
}

// onFilter(filter, previous) after the filter changed, onMetric() after the metric did.
export function createFilters({ view, districts, store, onFilter, onMetric }) {
  writeFormText(view);
  const agencySeen = new Set(view.filter.agencies);
  const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

  const syncForm = () => {
    const f = view.filter;
    for (const box of $("f-cats").querySelectorAll("input")) box.checked = f.categories.includes(Number(box.value));
    $("f-types").value = f.types.join(", ");
    $("f-sev").value = String(f.minSeverity);
    $("f-district").value = f.districts[0] ?? "";
    $("f-agencies").value = f.agencies.join(", ");
    $("f-last").value = f.timeWindow;
  };
  const setFilter = (f) => {
    const previous = view.filter;
    view.filter = f;
    const p = filterToParams(f, new URLSearchParams(location.search));
    history.replaceState(null, "", `${location.pathname}${p.toString() ? "?" + p : ""}`);
    onFilter(f, previous);
  };

  $("filter-toggle").onclick = () => {
    $("filters").hidden = !$("filters").hidden;
    // The types the wall has seen, as suggestions.
    const types = [...new Set([...store.incidents.values()].map((i) => i.type).filter(Boolean))].sort();
    $("f-type-list").innerHTML = types.map((ty) => `<option value="${esc(ty)}">${esc(typeName(ty))}</option>`).join("");
    // The agencies (OPD) of the incidents seen so far, and every one the wall has ever seen: under
    // an agency filter the store holds only those, and the others must stay choosable.
    for (const inc of store.incidents.values()) if (inc.agency) agencySeen.add(inc.agency);
    $("f-agency-list").innerHTML = [...agencySeen].sort().map((a) => `<option value="${esc(a)}"></option>`).join("");
  };
  $("filters").onsubmit = (e) => {
    e.preventDefault();
    setFilter({
      categories: [...$("f-cats").querySelectorAll("input:checked")].map((b) => Number(b.value)),
      types: list($("f-types").value),
      districts: $("f-district").value ? [$("f-district").value] : [],
      minSeverity: Number($("f-sev").value),
      agencies: list($("f-agencies").value),
      timeWindow: $("f-last").value,
    });
    $("filters").hidden = true;
  };
  // The filter of a URL without any: everything, of any age.
  $("f-clear").onclick = () => { setFilter(filterFromUrl(new URLSearchParams())); syncForm(); };
  $("metric").onchange = () => {
    view.metric = $("metric").value;
    const p = new URLSearchParams(location.search);
    p.set("metric", view.metric);
    history.replaceState(null, "", `${location.pathname}?${p}`);
    onMetric();
  };

  return {
    // Once the districts are loaded: every level but a whole-city one, coarsest first.
    listDistricts() {
      const opts = [`<option value="">${esc(t("all"))}</option>`];
      for (const level of districts.levels.slice().reverse()) {
        if (districts.role(level) === "top") continue;
        const list = [...districts.byLevel.get(level).values()].sort((a, b) => a.name.localeCompare(b.name));
        opts.push(`<optgroup label="${esc(level)}">${list.map((d) => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join("")}</optgroup>`);
      }
      $("f-district").innerHTML = opts.join("");
      syncForm();
    },
  };
}

function writeFormText(view) {
  $("metric-label").textContent = t("metric");
  $("metric").innerHTML = METRICS.map((m) => `<option value="${m}">${esc(t("metric_" + m))}</option>`).join("");
  $("metric").value = view.metric;
  $("f-cat-label").textContent = t("category");
  $("f-type-label").textContent = t("type");
  $("f-sev-label").textContent = t("severity");
  $("f-district-label").textContent = t("district");
  $("f-agency-label").textContent = t("agency");
  $("f-last-label").textContent = t("time_window");
  $("f-apply").textContent = t("apply");
  $("f-clear").textContent = t("clear");
  $("f-cats").innerHTML = CATEGORIES.map((c) =>
    `<label><input type="checkbox" value="${c}" data-testid="f-cat-${CATEGORY_NAMES[c]}"> ${esc(t("cat_" + c))}</label>`).join("");
  $("f-sev").innerHTML = SEVERITY_NAMES.map((n, i) => `<option value="${i}">${esc(i ? t("sev_" + i) : t("all"))}</option>`).join("");
  $("f-last").innerHTML = ["", ...Object.keys(TIME_WINDOWS)].map((w) =>
    `<option value="${w}">${esc(w ? windowName(w) : t("any_time"))}</option>`).join("");
}
