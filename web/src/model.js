// The wall's state, independent of where it came from: incidents from a protobuf Snapshot/Delta
// or from the REST API become the same plain objects, so every view reads one shape.

export const CATEGORIES = [1, 2, 3];             // complaint, transport, disaster
export const CATEGORY_NAMES = ["", "complaint", "transport", "disaster"];
export const SEVERITY_NAMES = ["unknown", "minor", "moderate", "severe", "extreme"];
export const STATUS_NAMES = ["", "new", "verified", "dispatched", "in_progress", "resolved", "closed", "rejected", "duplicate"];
export const CATEGORY_COLOURS = { 1: "#4aa8ff", 2: "#c08cff", 3: "#ff8a3d", 0: "#9aa4b2" };
// An alert area's fill and outline by its CAP severity (unknown, minor, moderate, severe, extreme):
// the warning ladder of yellow, orange and red that MeteoAlarm and BMKG's own maps use, purple
// beyond red, grey when the sender did not say (docs/web.md).
export const SEVERITY_COLOURS = ["#8a94a6", "#f2d31b", "#f28c1b", "#e5322d", "#a32cc4"];

// DESIGN §8: Tangerang's three colours — red waiting, yellow in process, green done.
export function statusGroup(status) {
  if (status === 1) return "waiting";
  if (status >= 2 && status <= 4) return "in_process";
  if (status === 5 || status === 6) return "done";
  return "dismissed";
}
export function isOpen(status) { return status >= 1 && status <= 4; }

export function fromProto(p) {
  let area = null;
  if (p.areaGeojson) { try { area = JSON.parse(p.areaGeojson); } catch { area = null; } }
  return {
    id: Number(p.id), category: p.category, type: p.type, severity: p.severity, status: p.status,
    lon: p.lon, lat: p.lat, area,
    districts: p.districts.map((d) => ({ level: d.level, code: d.code, name: d.name })),
    first: Number(p.firstReportMs), last: Number(p.lastReportMs), reports: p.reportCount,
    sources: [...p.sources], assignee: p.assignee, agency: p.agency, title: p.title,
    headline: p.headline ?? "", expires: Number(p.expiresAtMs ?? 0), alertKey: p.alertKey ?? "",
    overdue: p.overdue === true,
  };
}

export function fromJson(j) {
  return {
    id: Number(j.id), category: Math.max(0, CATEGORY_NAMES.indexOf(j.category)), type: j.type,
    severity: Math.max(0, SEVERITY_NAMES.indexOf(j.severity)), status: Math.max(0, STATUS_NAMES.indexOf(j.status)),
    lon: j.lon, lat: j.lat, area: j.area ?? null,
    districts: Object.entries(j.districts ?? {}).filter(([, c]) => c).map(([level, code]) => ({ level, code, name: "" })),
    first: Date.parse(j.first_report_at), last: Date.parse(j.last_report_at), reports: j.report_count,
    sources: j.sources ?? [], assignee: j.assignee ?? "", agency: j.agency ?? "", title: j.title ?? "",
    headline: j.headline ?? "", expires: j.expires_at ? Date.parse(j.expires_at) || 0 : 0, alertKey: j.alert_key ?? "",
    overdue: j.overdue === true,
  };
}

// An earthquake's magnitude from its headline or title ("M 5.6", "Magnitudo 5,6", "M5.6"): the
// incident has no attribute for it. null when neither names one.
export function magnitudeOf(inc) {
  if (inc.type !== "earthquake") return null;
  const m = /\b(?:M|Mag(?:nitud[eo])?|SR)\s*[:=]?\s*(\d{1,2}(?:[.,]\d)?)\b/i.exec(`${inc.headline} ${inc.title}`);
  return m ? Number(m[1].replace(",", ".")) : null;
}

// The time filter's windows (URL `last`): an incident is shown while its last report is at most
// this old. "" (no `last`) shows every incident, whatever its age.
export const TIME_WINDOWS = { "1h": 3600000, "6h": 6 * 3600000, "24h": 24 * 3600000, "7d": 7 * 24 * 3600000 };

// The filter as it lives in the URL (cat, type, sev, district, agency, last). All of it but the
// time window goes into Subscribe (serverFilter). Lists are comma-separated: an agency whose name
// has a comma cannot be filtered from the URL.
export function filterFromUrl(params) {
  const list = (k) => (params.get(k) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const categories = list("cat").map((n) => CATEGORY_NAMES.indexOf(n)).filter((c) => c > 0);
  const sev = SEVERITY_NAMES.indexOf(params.get("sev") ?? "");
  const last = params.get("last") ?? "";
  return { categories, types: list("type"), districts: list("district"), minSeverity: sev > 0 ? sev : 0, agencies: list("agency"),
    timeWindow: Object.hasOwn(TIME_WINDOWS, last) ? last : "" };
}

export function filterToParams(f, params) {
  const set = (k, v) => (v ? params.set(k, v) : params.delete(k));
  set("cat", f.categories.map((c) => CATEGORY_NAMES[c]).join(","));
  set("type", f.types.join(","));
  set("district", f.districts.join(","));
  set("sev", f.minSeverity > 0 ? SEVERITY_NAMES[f.minSeverity] : "");
  set("agency", (f.agencies ?? []).join(","));
  set("last", f.timeWindow ?? "");
  return params;
}

// The part of the filter the server applies (Subscribe): everything but the time window. The
// window slides with the clock, and a Subscribe carries no times, so the page applies it alone
// (matches) to everything the server sent.
export function serverFilter(f) {
  const { timeWindow, ...rest } = f;
  return rest;
}

// The same test the server applies, so the REST fallback and a stale delta never show more, plus
// the time window, which only the page applies: `now` is the end of the window. An incident
// reported exactly a window ago is still in it; one whose last report is ahead of this clock (a
// server's clock a little ahead of the wall's) is in it too; one without a readable time is not.
export function matches(f, inc, now) {
  if (f.timeWindow && !(inc.last >= now - TIME_WINDOWS[f.timeWindow])) return false;
  if (f.categories.length && !f.categories.includes(inc.category)) return false;
  if (f.types.length && !f.types.includes(inc.type)) return false;
  if (f.minSeverity && inc.severity < f.minSeverity) return false;
  if (f.districts.length && !inc.districts.some((d) => f.districts.includes(d.code))) return false;
  if (f.agencies?.length && !f.agencies.includes(inc.agency)) return false;
  return true;
}
