// The live state (src/store.js) fed with real protobuf Snapshot and Delta frames, without a
// browser: what the wall holds after each message of the stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveStore, FRESH_MS } from "../src/store.js";
import { filterFromUrl } from "../src/model.js";
import { T0, incident, stats, alert, source, vehicle, snapshotFrame, deltaFrame, clockFrame, decoded } from "./frames.mjs";

const snapshot = (body) => decoded(snapshotFrame(1, { streamId: "s1", ...body }));
const delta = (body) => decoded(deltaFrame(2, body));
const ids = (store) => [...store.incidents.keys()].sort((a, b) => a - b);

function storeAfterSnapshot() {
  const store = new LiveStore();
  store.applySnapshot(snapshot({
    incidents: [incident(1), incident(2, { category: 2, type: "traffic_jam" }), incident(3, { status: 4 })],
    stats: [stats("kelurahan", "36.71.01.1001", 3, 7)],
    alerts: [alert(10), alert(11, { active: false })],
    sources: [source("bmkg", T0 - 5000), source("lapor", 0, { stale: true })],
    vehicles: [vehicle("tj/101", 106.63, -6.17, { bearing: 90, speedMps: 8 })],
  }), T0);
  return store;
}

test("a snapshot fills incidents, stats, active alerts, sources and vehicles", () => {
  const store = storeAfterSnapshot();
  assert.deepEqual(ids(store), [1, 2, 3]);
  const inc = store.incidents.get(2);
  assert.equal(inc.category, 2);
  assert.equal(inc.type, "traffic_jam");
  assert.equal(inc.last - inc.first, 60000);
  assert.deepEqual(inc.districts.map((d) => d.code), ["36.71.01", "36.71.01.1001"]);
  // reports1h sums the 1h windows of every category and severity; other windows do not count.
  assert.deepEqual(store.stats.get("kelurahan/36.71.01.1001"), { open: 3, reports1h: 7 });
  assert.deepEqual([...store.alerts.keys()], [10], "an inactive alert in a snapshot is not held");
  assert.equal(store.alerts.get(10).what, "flood");
  assert.deepEqual(store.sources.get("bmkg"), { source: "bmkg", last: T0 - 5000, interval: 600000, stale: false, pollers: [] });
  assert.equal(store.sources.get("lapor").stale, true);
  const bus = store.vehicles.get("tj/101");
  assert.equal(bus.bearing, 90);
  assert.equal(bus.speed, 8);
  assert.equal(bus.route, "T11");
  assert.equal(store.lastUpdate, T0);
  assert.equal(store.snapshots, 1);
  assert.equal(store.fresh.size, 0, "what a snapshot holds is the starting state, not news");
});

test("a second snapshot replaces everything, so whatever it does not hold leaves the wall", () => {
  const store = storeAfterSnapshot();
  const version = store.version, vehicleVersion = store.vehicleVersion;
  store.applySnapshot(snapshot({ incidents: [incident(3, { status: 5 }), incident(4)], sources: [source("bmkg", T0)] }), T0 + 1000);
  assert.deepEqual(ids(store), [3, 4]);
  assert.equal(store.incidents.get(3).status, 5);
  assert.equal(store.stats.size, 0);
  assert.equal(store.alerts.size, 0);
  assert.deepEqual([...store.sources.keys()], ["bmkg"]);
  assert.equal(store.vehicles.size, 0);
  assert.equal(store.snapshots, 2);
  assert.ok(store.version > version && store.vehicleVersion > vehicleVersion);
});

test("deltas upsert and remove incidents, and an upserted incident is marked new for a while", () => {
  const store = storeAfterSnapshot();
  const version = store.version;
  store.applyDelta(delta({ upserts: [incident(2, { status: 3, reportCount: 4 }), incident(5)], removedIncidentIds: [1n] }), T0 + 1000);
  assert.deepEqual(ids(store), [2, 3, 5]);
  assert.equal(store.incidents.get(2).status, 3);
  assert.equal(store.incidents.get(2).reports, 4);
  assert.deepEqual([...store.fresh.keys()].sort(), [2, 5]);
  assert.equal(store.fresh.get(5), T0 + 1000 + FRESH_MS);
  assert.equal(store.version, version + 1);
  assert.equal(store.lastUpdate, T0 + 1000);
  store.expireFresh(T0 + 1000 + FRESH_MS);
  assert.equal(store.fresh.size, 2, "still new at the last moment");
  store.expireFresh(T0 + 1001 + FRESH_MS);
  assert.equal(store.fresh.size, 0);
  // Removing what is not held (it left the filter earlier) changes nothing else.
  store.applyDelta(delta({ removedIncidentIds: [99n] }), T0 + 2000);
  assert.deepEqual(ids(store), [2, 3, 5]);
});

test("a coalesced delta (the latest state per id) leaves the same state as the deltas it folds", () => {
  const steps = [
    delta({ upserts: [incident(2, { status: 2 }), incident(6)], stats: [stats("kelurahan", "36.71.01.1001", 4, 8)] }),
    delta({ upserts: [incident(2, { status: 4, assignee: "BPBD" })], removedIncidentIds: [3n], alerts: [alert(12)] }),
    delta({ removedIncidentIds: [6n], alerts: [alert(10, { active: false })], sources: [source("bmkg", T0 + 3000)],
      stats: [stats("kelurahan", "36.71.01.1001", 3, 9)] }),
  ];
  const stepwise = storeAfterSnapshot();
  for (const [i, d] of steps.entries()) stepwise.applyDelta(d, T0 + 1000 * (i + 1));
  const coalesced = storeAfterSnapshot();
  coalesced.applyDelta(delta({
    upserts: [incident(2, { status: 4, assignee: "BPBD" })], removedIncidentIds: [3n, 6n],
    stats: [stats("kelurahan", "36.71.01.1001", 3, 9)], alerts: [alert(12), alert(10, { active: false })],
    sources: [source("bmkg", T0 + 3000)],
  }), T0 + 3000);
  for (const store of [stepwise, coalesced]) {
    assert.deepEqual(ids(store), [1, 2]);
    assert.equal(store.incidents.get(2).assignee, "BPBD");
    assert.deepEqual(store.stats.get("kelurahan/36.71.01.1001"), { open: 3, reports1h: 9 });
    assert.deepEqual([...store.alerts.keys()], [12], "alert 10 was cleared, 12 raised");
    assert.equal(store.sources.get("bmkg").last, T0 + 3000);
  }
  assert.deepEqual(coalesced.incidents, stepwise.incidents);
});

test("vehicles are added, moved and removed, and only their changes bump the vehicle version", () => {
  const store = storeAfterSnapshot();
  const version = store.version;
  let vehicleVersion = store.vehicleVersion;
  store.applyDelta(delta({ vehicles: [vehicle("tj/102", 106.64, -6.18)] }), T0 + 1000);
  assert.deepEqual([...store.vehicles.keys()].sort(), ["tj/101", "tj/102"]);
  assert.equal(store.vehicles.get("tj/102").bearing, undefined, "no bearing in the feed: none on the map");
  assert.equal(store.vehicleVersion, ++vehicleVersion);
  assert.equal(store.version, version, "a vehicle alone does not redraw the incidents");
  store.applyDelta(delta({ vehicles: [vehicle("tj/101", 106.65, -6.19, { bearing: 180 })] }), T0 + 2000);
  assert.deepEqual([store.vehicles.get("tj/101").lon, store.vehicles.get("tj/101").lat, store.vehicles.get("tj/101").bearing], [106.65, -6.19, 180]);
  assert.equal(store.vehicleVersion, ++vehicleVersion);
  store.applyDelta(delta({ removedVehicleIds: ["tj/101"] }), T0 + 3000);
  assert.deepEqual([...store.vehicles.keys()], ["tj/102"]);
  assert.equal(store.vehicleVersion, ++vehicleVersion);
  store.applyDelta(delta({ upserts: [incident(7)] }), T0 + 4000);
  assert.equal(store.vehicleVersion, vehicleVersion, "an incident leaves the vehicles' drawing alone");
});

test("stats, alert and source updates replace the held state of that district, alert or source", () => {
  const store = storeAfterSnapshot();
  const version = store.version;
  store.applyDelta(delta({ stats: [stats("kecamatan", "36.71.01", 9, 12)] }), T0 + 1000);
  assert.deepEqual(store.stats.get("kecamatan/36.71.01"), { open: 9, reports1h: 12 });
  assert.deepEqual(store.stats.get("kelurahan/36.71.01.1001"), { open: 3, reports1h: 7 }, "other districts keep theirs");
  store.applyDelta(delta({ alerts: [alert(10, { count: 8 }), alert(13, { type: "", category: 2 })] }), T0 + 2000);
  assert.equal(store.alerts.get(10).count, 8);
  assert.deepEqual([store.alerts.get(13).what, store.alerts.get(13).category], ["", 2], "a category alert has no type");
  store.applyDelta(delta({ alerts: [alert(10, { active: false })] }), T0 + 3000);
  assert.deepEqual([...store.alerts.keys()], [13]);
  assert.equal(store.version, version + 3, "each of these changes what the districts show");
  store.applyDelta(delta({ sources: [source("lapor", T0 + 3500, { stale: false })] }), T0 + 4000);
  assert.deepEqual(store.sources.get("lapor"), { source: "lapor", last: T0 + 3500, interval: 600000, stale: false, pollers: [] });
  assert.equal(store.version, version + 3, "source health alone does not redraw the map");
  assert.equal(store.lastUpdate, T0 + 4000);
});

test("a source keeps its pollers' latest rounds: a failing one's error, failures and next attempt", () => {
  const store = storeAfterSnapshot();
  const failing = { name: "quakes", lastSuccessMs: 0n, lastErrorMs: BigInt(T0), lastError: "HTTP status 500",
    consecutiveFailures: 3, nextAttemptMs: BigInt(T0 + 4000) };
  store.applyDelta(delta({ sources: [source("bmkg", T0 - 5000, { stale: true, pollers: [failing] })] }), T0 + 1000);
  assert.deepEqual(store.sources.get("bmkg").pollers, [{ name: "quakes", failures: 3, error: "HTTP status 500", nextAttempt: T0 + 4000 }]);
  store.applyDelta(delta({ sources: [source("bmkg", T0 + 2000, { pollers: [{ ...failing, consecutiveFailures: 0 }] })] }), T0 + 2000);
  assert.equal(store.sources.get("bmkg").pollers[0].failures, 0, "recovered: the next round replaces it");
});

test("the REST fallback's poll replaces the incidents and marks only changed ones new after the first poll", () => {
  const store = new LiveStore();
  const a = { id: 1, status: 1, last: T0, reports: 1, assignee: "", severity: 2 };
  assert.equal(store.replaceIncidents([a, { ...a, id: 2 }], T0, false), true);
  assert.equal(store.fresh.size, 0, "the first poll is the starting state");
  assert.equal(store.replaceIncidents([a, { ...a, id: 2 }], T0 + 300, true), false, "nothing changed");
  assert.equal(store.replaceIncidents([{ ...a, status: 4 }], T0 + 600, true), true);
  assert.deepEqual(ids(store), [1]);
  assert.deepEqual([...store.fresh.keys()], [1]);
});

// The time filter (?last=) is the page's alone: the stream sends incidents of every age, the
// store keeps them, and what is shown follows the clock (render.js asks every second).
test("the shown incidents follow the time window as it slides, with no message, and a new report brings one back", () => {
  const HOUR = 3600000;
  const store = new LiveStore();
  store.applySnapshot(snapshot({ incidents: [
    incident(1, { lastReportMs: BigInt(T0 - 10 * 60000) }),
    incident(2, { lastReportMs: BigInt(T0 - 50 * 60000) }),
    incident(3, { lastReportMs: BigInt(T0 - 5 * HOUR) }),
    incident(4, { lastReportMs: BigInt(T0 - 3 * 86400000) }),
  ] }), T0);
  const shownIds = (filter, now) => store.shown(filter, now).map((i) => i.id).sort((a, b) => a - b);
  const last = (w) => filterFromUrl(new URLSearchParams(w ? `last=${w}` : ""));
  assert.deepEqual(shownIds(last(""), T0), [1, 2, 3, 4]);
  assert.deepEqual(shownIds(last("1h"), T0), [1, 2]);
  assert.deepEqual(shownIds(last("6h"), T0), [1, 2, 3]);
  assert.deepEqual(shownIds(last("7d"), T0), [1, 2, 3, 4]);
  // Twenty minutes on, nothing received: incident 2 has aged out of the last hour, and is still held.
  assert.deepEqual(shownIds(last("1h"), T0 + 20 * 60000), [1]);
  assert.deepEqual(ids(store), [1, 2, 3, 4]);
  // A status change is no report: incident 3 stays out. A new report on it brings it in.
  store.applyDelta(delta({ upserts: [incident(3, { status: 3, lastReportMs: BigInt(T0 - 5 * HOUR) })] }), T0 + 20 * 60000);
  assert.deepEqual(shownIds(last("1h"), T0 + 20 * 60000), [1]);
  store.applyDelta(delta({ upserts: [incident(3, { reportCount: 2, lastReportMs: BigInt(T0 + 19 * 60000) })] }), T0 + 20 * 60000);
  assert.deepEqual(shownIds(last("1h"), T0 + 20 * 60000), [1, 3]);
  // The REST fallback's incidents are shown by the same test.
  store.replaceIncidents([{ ...store.incidents.get(4), status: 2 }, { ...store.incidents.get(1) }], T0 + 21 * 60000, true);
  assert.deepEqual(shownIds(last("1h"), T0 + 21 * 60000), [1]);
  assert.deepEqual(shownIds(last("7d"), T0 + 21 * 60000), [1, 4]);
});

// A playback (docs/history.md): its clock is the wall's "now", not the real time.
const clock = (fields) => decoded(clockFrame(3, fields));
const HOUR = 3600000, DAY = 24 * HOUR;

test("a playback's clock is held from the URL's start on, each PlaybackClock replaces it, and it is the wall's now", () => {
  const live = new LiveStore();
  assert.equal(live.clock, null);
  assert.equal(live.timeAt(T0), T0, "a live wall's now is the present");
  const from = T0 - 3 * DAY, until = from + DAY, realNow = T0;
  const store = new LiveStore();
  store.startPlayback({ from, speed: 3600, until });
  assert.deepEqual(store.clock, { at: from, speed: 3600, from, until, ended: false });
  assert.equal(store.timeAt(realNow), from, "before the first clock: the start, never the present");
  store.applySnapshot(snapshot({ incidents: [incident(1)] }), realNow);
  store.applyClock(clock({ at: from, speed: 3600, until }), realNow + 5);
  assert.equal(store.timeAt(realNow + 5), from);
  const version = store.version;
  store.applyClock(clock({ at: from + 900000, speed: 3600, from, until }), realNow + 250);
  assert.deepEqual(store.clock, { at: from + 900000, speed: 3600, from, until, ended: false });
  assert.equal(store.timeAt(realNow + 250), from + 900000);
  assert.equal(store.lastUpdate, realNow + 250, "a clock proves the connection alive, in real time");
  assert.equal(store.version, version, "time alone changes nothing the server did not send");
  store.applyClock(clock({ at: until, speed: 3600, from, until, ended: true }), realNow + 500);
  assert.deepEqual([store.clock.at, store.clock.ended], [until, true]);
});

test("the new Snapshot of a restarted playback replaces the state and keeps the clock it restarted from", () => {
  const from = T0 - 3 * DAY, until = from + DAY;
  const store = new LiveStore();
  store.startPlayback({ from, speed: 60, until });
  store.applySnapshot(snapshot({ incidents: [incident(1), incident(2)], stats: [stats("kelurahan", "36.71.01.1001", 2, 3)] }), T0);
  store.applyClock(clock({ at: from + 2 * HOUR, speed: 60, from, until }), T0);
  store.applyDelta(delta({ upserts: [incident(3)], removedIncidentIds: [1n] }), T0);
  // The connection dropped; the restart's snapshot is the state at the last clock.
  store.applySnapshot(snapshot({ incidents: [incident(2), incident(4)] }), T0 + 1000);
  assert.deepEqual(ids(store), [2, 4]);
  assert.equal(store.stats.size, 0);
  assert.equal(store.snapshots, 2);
  assert.equal(store.clock.at, from + 2 * HOUR, "the snapshot is as of the clock: the clock stands");
  store.applyClock(clock({ at: from + 2 * HOUR, speed: 60, from: from + 2 * HOUR, until }), T0 + 1001);
  assert.equal(store.clock.from, from + 2 * HOUR, "the restart's clock says where it restarted");
  assert.equal(store.timeAt(T0 + 1001), from + 2 * HOUR);
});

test("the time window ends at the playback clock: what was reported within it then, not now", () => {
  const from = T0 - 3 * DAY;
  const store = new LiveStore();
  store.startPlayback({ from, speed: 60, until: 0 });
  store.applySnapshot(snapshot({ incidents: [
    incident(1, { lastReportMs: BigInt(from - 10 * 60000) }),
    incident(2, { lastReportMs: BigInt(from - 2 * HOUR) }),
    incident(3, { lastReportMs: BigInt(from - 7 * HOUR) }),
  ] }), T0);
  const shownIds = (w) => store.shown(filterFromUrl(new URLSearchParams(`last=${w}`)), store.timeAt(T0)).map((i) => i.id).sort((a, b) => a - b);
  assert.deepEqual(shownIds("1h"), [1]);
  assert.deepEqual(shownIds("6h"), [1, 2]);
  assert.deepEqual(shownIds("24h"), [1, 2, 3]);
  // Three days on in real time, none would be within a day; by the clock, the window slides as it moves.
  assert.deepEqual(store.shown(filterFromUrl(new URLSearchParams("last=24h")), T0).map((i) => i.id), []);
  store.applyClock(clock({ at: from + HOUR, from }), T0 + 60000);
  assert.deepEqual(shownIds("1h"), []);
  assert.deepEqual(shownIds("6h"), [1, 2]);
});
