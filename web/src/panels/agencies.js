// Response times (docs/config.md "[sla]"): the agencies (OPDs) ranked as the Live Room reviews
// them — most overdue first, then most open — with their median times to first response and to
// resolution over 7 days, from GET /api/v1/agencies (polled like the transit routes); and the
// overdue badge of an incident in the feed and the details.
import { t, ago } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";
import { notReplayedHtml } from "./playback.js";

export const AGENCIES_REFRESH_MS = 15000;
const SHOWN = 8;

// Worst first: overdue, then open, then the slower median first response; by name last.
export function rankAgencies(rows) {
  const slow = (r) => r.first_response?.["7d"]?.median_s ?? -1;
  return rows.filter((r) => r.open || r.overdue || r.first_response?.["30d"]?.count || r.resolution?.["30d"]?.count)
    .sort((a, b) => b.overdue - a.overdue || b.open - a.open || slow(b) - slow(a) || String(a.agency ?? "").localeCompare(String(b.agency ?? "")));
}

// onLoaded() after each answer that changed the rows. A playback wall (live false) shows none:
// the ranking is the present's, not replayed from the log, and never asked for.
export function createAgencies({ live = true, onLoaded }) {
  let rows = [], failed = false;

  async function load() {
    let next = null;
    try {
      const r = await fetch("/api/v1/agencies", { cache: "no-store" });
      if (!r.ok) throw new Error(`agencies: HTTP ${r.status}`);
      const body = await r.json();
      next = Array.isArray(body.agencies) ? body.agencies : [];
    } catch (e) {
      console.warn("pantau: cannot refresh the agencies", e);
    }
    const wasFailed = failed;
    failed = next === null;
    if (next) rows = next;
    if (next || !wasFailed) onLoaded();
  }

  // A failed refresh greys the rows: old numbers must never look current.
  function render() {
    if (!live) { setHTML($("agencies"), notReplayedHtml()); return; }
    const shown = rankAgencies(rows).slice(0, SHOWN);
    const median = (m) => (m && m.median_s !== null ? ago(m.median_s * 1000) : t("none"));
    setHTML($("agencies"), shown.length ? shown.map((r) =>
      `<li class="${failed ? "stale" : ""}${r.overdue ? " late" : ""}" data-agency="${esc(r.agency ?? "")}">` +
      `<span class="name">${esc(r.agency ?? t("no_agency"))}</span>` +
      `<span class="counts"><b class="od" title="${esc(t("overdue"))}">${r.overdue}</b> / <span title="${esc(t("open"))}">${r.open}</span></span>` +
      `<span class="facts">${esc(t("sla_medians", { first: median(r.first_response?.["7d"]), done: median(r.resolution?.["7d"]) }))}</span></li>`).join("")
      : `<li class="none muted">${esc(t("none"))}</li>`);
  }

  return { load, render };
}

// The feed's and the details' mark of an overdue incident.
export function overdueBadge(inc) {
  return inc.overdue ? `<span class="overdue" data-testid="overdue" title="${esc(t("overdue_title"))}">${esc(t("overdue"))}</span>` : "";
}

// The details' SLA lines from the incident's JSON (`sla`: due and done times), or nothing.
export function slaRows(j, fmtTime) {
  const s = j.sla;
  if (!s) return "";
  const line = (due, at) => (at ? esc(fmtTime(Date.parse(at))) : esc(t("awaited"))) + (due ? ` · ${esc(t("due"))} ${esc(fmtTime(Date.parse(due)))}` : "");
  return `<dt>${esc(t("first_response"))}</dt><dd>${line(s.first_response_due, s.first_response_at)}</dd>` +
    `<dt>${esc(t("resolution"))}</dt><dd>${line(s.resolution_due, s.resolved_at)}</dd>`;
}
