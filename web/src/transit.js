// What the transport panel shows, as plain data: the worst routes of GET /api/v1/transit/routes
// and the open GTFS-Realtime service alerts among the incidents. No DOM and no language here, so
// it runs and is tested in node (test/transit.test.mjs); panels/transport.js draws it.
import { isOpen } from "./model.js";

export const ROUTES_SHOWN = 8;
export const ALERTS_SHOWN = 5;
// The server's incidents of GTFS-Realtime alerts carry this alert key prefix (docs/feeds.md).
export const GTFS_ALERT_PREFIX = "gtfs-rt:";
// How old a source's trip updates may be before its routes are greyed, when the wall has no
// health for the source: the server expects trip updates every 90 s (GET /api/v1/sources).
export const TRIP_UPDATES_STALE_MS = 5 * 60000;

// One row of GET /api/v1/transit/routes. `median` and `p90` are seconds (negative: early), null
// when no trip of the route has a delay.
export function routeFromJson(j) {
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    source: String(j.source ?? ""), id: String(j.route_id ?? ""),
    shortName: String(j.short_name ?? ""), longName: String(j.long_name ?? ""),
    trips: num(j.trips) ?? 0, cancelled: num(j.cancelled) ?? 0,
    median: num(j.delay_median_s), p90: num(j.delay_p90_s),
    updated: Date.parse(j.updated_at ?? "") || 0,
  };
}

// The `n` worst routes, worst first: by p90 delay, then by cancelled trips (a route with only
// cancellations, or a feed that predicts times without delays, still shows), then by name.
export function worstRoutes(routes, n = ROUTES_SHOWN) {
  const p90 = (r) => (r.p90 === null ? -Infinity : r.p90);
  return routes.slice().sort((a, b) => p90(b) - p90(a) || b.cancelled - a.cancelled ||
    a.source.localeCompare(b.source) || a.id.localeCompare(b.id)).slice(0, n);
}

// Whether a route's numbers are too old to trust. The wall's health of its source's trip updates
// ("SOURCE/trip_updates", the server's verdict or its rule: older than the expected interval)
// when it has one, else the age of the source's last trip update feed.
export function routeStale(route, sources, now) {
  const h = sources.get(`${route.source}/trip_updates`);
  if (h) return h.stale || !(h.last > 0) || (h.interval > 0 && now - h.last > h.interval);
  return !route.updated || now - route.updated > TRIP_UPDATES_STALE_MS;
}

// The open incidents that a GTFS-Realtime alert made, newest first, at most `n`.
export function transitAlerts(incidents, n = ALERTS_SHOWN) {
  const list = [];
  for (const inc of incidents) if (isOpen(inc.status) && inc.alertKey?.startsWith(GTFS_ALERT_PREFIX)) list.push(inc);
  return list.sort((a, b) => b.last - a.last || b.id - a.id).slice(0, n);
}

// A route's name on the wall: its short name, else its id, else the long name; "" for the
// unknown route (trips that named no route the static feed knows).
export function routeLabel(r) { return r.shortName || r.id || r.longName; }

// How bad a delay is, for its colour: late by 10 min or more, by 5, else on time (or early).
export function delayLevel(seconds) {
  if (seconds === null) return "none";
  if (seconds >= 600) return "bad";
  if (seconds >= 300) return "late";
  return "ok";
}
