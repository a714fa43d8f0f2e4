// The transport panel: the worst routes by p90 delay from GET /api/v1/transit/routes (polled with
// the wall's session like the chart's series, every 15 s: trip update feeds arrive every 30–90 s),
// and the open service alerts of the GTFS-Realtime feeds, from the incidents the wall holds.
// Routes whose trip updates are stale, or that an answer failed to refresh, are greyed with their
// age, so old delays never look current.
import { routeFromJson, worstRoutes, routeStale, transitAlerts, routeLabel, delayLevel } from "../transit.js";
import { t, ago, sourceName } from "../i18n.js";
import { notReplayedHtml } from "./playback.js";
import { $, setHTML, esc, onRowPick } from "../dom.js";

export const TRANSPORT_REFRESH_MS = 15000;

// onLoaded() after each answer that changed the routes. A playback wall (live false) shows no
// route delays: they are the present's, not replayed from the log, and never asked for.
export function createTransport({ store, live = true, onLoaded }) {
  let routes = null;              // the server's routes (transit.js shape); null until the first answer
  let failed = false;             // the latest refresh failed: what is shown is older than it says

  async function load() {
    let next = null;
    try {
      const r = await fetch("/api/v1/transit/routes", { cache: "no-store" });
      if (!r.ok) throw new Error(`transit routes: HTTP ${r.status}`);
      const body = await r.json();
      next = (Array.isArray(body.routes) ? body.routes : []).map(routeFromJson);
    } catch (e) {
      console.warn("pantau: cannot refresh the transit routes", e);
    }
    const wasFailed = failed;
    failed = next === null;
    if (next) routes = next;
    if (next || !wasFailed) onLoaded();
  }

  function render(list, now) {
    const shown = worstRoutes(routes ?? []);
    if (!live) setHTML($("routes"), notReplayedHtml());
    else setHTML($("routes"), shown.length ? shown.map((r) => {
      const stale = failed || routeStale(r, store.sources, now);
      const level = delayLevel(r.p90);
      const name = routeLabel(r) || t("route_unknown");
      const facts = [t("route_median", { delay: delayText(r.median) }), t("route_trips", { n: r.trips })];
      if (r.cancelled) facts.push(t("route_cancelled", { n: r.cancelled }));
      facts.push((stale ? t("stale") + " · " : "") + (r.updated ? ago(now - r.updated) : t("never")));
      return `<li class="${stale ? "stale" : ""}" data-route="${esc(r.source + "/" + r.id)}">` +
        `<span class="name"><b>${esc(name)}</b> ${esc(r.longName && r.longName !== name ? r.longName : sourceName(r.source))}</span>` +
        `<span class="p90 d-${level}" title="${esc(t("route_p90"))}">${esc(delayText(r.p90))}</span>` +
        `<span class="facts">${esc(facts.join(" · "))}</span></li>`;
    }).join("") : `<li class="none">${esc(t("no_transit"))}</li>`);

    const alerts = transitAlerts(list);
    setHTML($("transit-alerts"), alerts.map((inc) =>
      `<li data-id="${inc.id}"><span class="what">⚠ ${esc(inc.headline || inc.title || t("transit_alert"))}</span>` +
      `<span class="age">${esc(ago(now - inc.last))}</span></li>`).join(""));
    $("transit-alerts").hidden = !alerts.length;
  }

  return { load, render };
}

// onPick(id): a transit alert was clicked.
export function onTransitAlertPick(onPick) { onRowPick($("transit-alerts"), onPick); }

// "+5 mnt", "−1 mnt" (early), "0 dtk"; "—" without a delay.
function delayText(seconds) {
  if (seconds === null) return t("none");
  const sign = seconds > 0 ? "+" : seconds < 0 ? "−" : "";
  return sign + ago(Math.abs(seconds) * 1000);
}
