// The transport panel's logic (src/transit.js) without a browser: which routes it shows in which
// order, when their numbers are stale, and which incidents are transit alerts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { routeFromJson, worstRoutes, routeStale, transitAlerts, routeLabel, delayLevel, ROUTES_SHOWN, TRIP_UPDATES_STALE_MS } from "../src/transit.js";
import { fromJson } from "../src/model.js";

const T0 = Date.parse("2026-12-05T10:00:00Z");
const row = (source, route_id, p90, extra = {}) => ({ source, route_id, short_name: route_id, long_name: "", trips: 4,
  delayed_trips: 3, delay_median_s: p90 === null ? null : Math.floor(p90 / 2), delay_p90_s: p90, cancelled: 0,
  updated_at: new Date(T0).toISOString(), ...extra });

test("a row of GET /api/v1/transit/routes keeps its names, counts, delays and time; null delays stay null", () => {
  const r = routeFromJson(row("tj", "6D", 300, { long_name: "Stasiun Tebet - Bundaran Senayan", cancelled: 1 }));
  assert.deepEqual(r, { source: "tj", id: "6D", shortName: "6D", longName: "Stasiun Tebet - Bundaran Senayan", trips: 4,
    cancelled: 1, median: 150, p90: 300, updated: T0 });
  const none = routeFromJson(row("caltrain", "L1", null));
  assert.equal(none.p90, null);
  assert.equal(none.median, null);
  // A route named nowhere (trips of a route the static feed lacks) is the unknown route "".
  assert.equal(routeLabel(routeFromJson(row("bart", "", 957, { short_name: "" }))), "");
  assert.equal(routeLabel(routeFromJson(row("tj", "6D", 1, { short_name: "" }))), "6D");
});

test("the worst routes come first by p90, then by cancellations; routes without delays last; at most eight", () => {
  const routes = [row("tj", "1", 60), row("tj", "2", null, { cancelled: 2 }), row("tj", "3", 900), row("tj", "4", -30),
    row("tj", "5", null), row("bart", "", 957), row("tj", "6", 60, { cancelled: 1 })].map(routeFromJson);
  assert.deepEqual(worstRoutes(routes).map((r) => `${r.source}/${r.id}`),
    ["bart/", "tj/3", "tj/6", "tj/1", "tj/4", "tj/2", "tj/5"]);
  const many = Array.from({ length: 30 }, (_, i) => routeFromJson(row("tj", `R${i}`, i * 10)));
  const shown = worstRoutes(many);
  assert.equal(shown.length, ROUTES_SHOWN);
  assert.equal(shown[0].id, "R29");
  assert.equal(shown.at(-1).id, `R${30 - ROUTES_SHOWN}`);
  assert.deepEqual(worstRoutes([]), []);
});

test("a route is stale by its source's trip update health when the wall has it, else by the feed's age", () => {
  const r = routeFromJson(row("tj", "6D", 300));
  const health = (h) => new Map([["tj/trip_updates", { source: "tj/trip_updates", interval: 90000, stale: false, ...h }]]);
  assert.equal(routeStale(r, health({ last: T0 }), T0 + 30000), false);
  assert.equal(routeStale(r, health({ last: T0, stale: true }), T0 + 30000), true);
  assert.equal(routeStale(r, health({ last: T0 }), T0 + 91000), true);   // the stream quiet between ticks
  assert.equal(routeStale(r, health({ last: 0 }), T0), true);
  // Another source's health says nothing about this one.
  const other = new Map([["bart/trip_updates", { last: 0, interval: 90000, stale: true }]]);
  assert.equal(routeStale(r, other, T0 + 60000), false);
  assert.equal(routeStale(r, other, T0 + TRIP_UPDATES_STALE_MS + 1), true);
  assert.equal(routeStale(routeFromJson(row("tj", "6D", 300, { updated_at: "" })), new Map(), T0), true);
});

test("transit alerts are the open incidents of a gtfs-rt: alert key, newest first, at most five", () => {
  const inc = (id, key, status, minutes) => fromJson({ id, category: "transport", type: "detour", severity: "moderate", status,
    lon: 106.8, lat: -6.2, first_report_at: new Date(T0).toISOString(), last_report_at: new Date(T0 + minutes * 60000).toISOString(),
    report_count: 1, sources: ["tj"], headline: `alert ${id}`, alert_key: key });
  const list = [inc(1, "gtfs-rt:A1", "new", 1), inc(2, "gtfs-rt:A2", "verified", 5), inc(3, "gtfs-rt:A3", "closed", 9),
    inc(4, "cap:bmkg:X", "new", 8), inc(5, null, "new", 7), inc(6, "gtfs-rt:A6", "in_progress", 3)];
  assert.equal(list[0].alertKey, "gtfs-rt:A1");
  assert.deepEqual(transitAlerts(list).map((i) => i.id), [2, 6, 1]);
  const many = Array.from({ length: 9 }, (_, i) => inc(10 + i, `gtfs-rt:B${i}`, "new", i));
  assert.deepEqual(transitAlerts(many).map((i) => i.id), [18, 17, 16, 15, 14]);
});

test("a delay's colour: ten minutes late is bad, five late, less (or early) on time", () => {
  assert.deepEqual([900, 600, 599, 300, 299, 0, -120, null].map(delayLevel), ["bad", "bad", "late", "late", "ok", "ok", "ok", "none"]);
});
