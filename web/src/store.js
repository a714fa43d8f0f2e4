// The wall's live state and how the stream's Snapshot and Delta messages (and the REST fallback's
// polls) change it. Plain data and plain code: no DOM, no map, no clock of its own (callers pass
// `now`), so it runs and is tested in node (test/store.test.mjs). Views read it; only this file
// writes it, apart from the operator's own PATCH answer (mergeIncident).
import { fromProto, matches } from "./model.js";

export const FRESH_MS = 6000;    // how long a new or updated incident stays marked

export class LiveStore {
  incidents = new Map();         // id -> incident (model.js shape)
  fresh = new Map();             // id -> time until which it is marked new
  stats = new Map();             // "level/code" -> {open, reports1h}
  alerts = new Map();            // id -> {id, level, code, what, category, count, threshold, window, active}; active only
  sources = new Map();           // name -> {source, last, interval, stale}
  vehicles = new Map();          // id -> {id, source, label, route, trip, lon, lat, bearing, speed, observed}
  // Views compare versions instead of contents: every setData or feature-state change repaints
  // the whole map, so it is redrawn only when what it shows changed.
  version = 0;                   // incidents, stats or alerts changed
  vehicleVersion = 0;            // vehicles changed (they leave the incidents' drawing alone)
  lastUpdate = 0;                // when the server was last heard from
  snapshots = 0;                 // snapshots applied so far
  // A playback's clock (docs/history.md): {at, speed, from, until, ended} in ms, the latest
  // PlaybackClock or, before the first, the URL's start; null on a live wall.
  clock = null;

  // A Snapshot replaces everything: whatever it does not hold is no longer on the wall.
  applySnapshot(s, now = Date.now()) {
    this.snapshots++;
    this.incidents.clear();
    for (const p of s.incidents) { const inc = fromProto(p); this.incidents.set(inc.id, inc); }
    this.stats.clear();
    for (const d of s.stats) this.applyStats_(d);
    this.alerts.clear();
    for (const a of s.alerts) this.applyAlert_(a);
    this.sources.clear();
    for (const h of s.sources) this.applySource_(h);
    this.vehicles.clear();
    for (const v of s.vehicles) this.applyVehicle_(v);
    this.vehicleVersion++;
    this.heard(now);
    this.markChanged();
  }

  // A Delta carries the full state of each thing that changed, so applying it is replacing; a
  // slow client's coalesced Delta (the latest state per id) is applied the same way.
  applyDelta(d, now = Date.now()) {
    for (const p of d.upserts) {
      const inc = fromProto(p);
      this.incidents.set(inc.id, inc);
      this.fresh.set(inc.id, now + FRESH_MS);
    }
    for (const id of d.removedIncidentIds) this.incidents.delete(Number(id));
    for (const s of d.stats) this.applyStats_(s);
    for (const a of d.alerts) this.applyAlert_(a);
    for (const h of d.sources) this.applySource_(h);
    for (const v of d.vehicles) this.applyVehicle_(v);
    for (const id of d.removedVehicleIds) this.vehicles.delete(id);
    if (d.vehicles.length || d.removedVehicleIds.length) this.vehicleVersion++;
    this.heard(now);
    if (d.upserts.length || d.removedIncidentIds.length || d.stats.length || d.alerts.length) this.markChanged();
  }

  // The incidents the views show at `now`: those held that pass the filter, its time window
  // ending at `now`. The store keeps the others, whatever their age: the server's filter has no
  // window (model.serverFilter), so a wider window, or the same one later, needs nothing new.
  shown(filter, now) {
    const list = [];
    for (const inc of this.incidents.values()) if (matches(filter, inc, now)) list.push(inc);
    return list;
  }

  heard(now = Date.now()) { this.lastUpdate = now; }

  // A playback wall's state starts at the URL's start, before any message: its time is never
  // the present's, not even for the first render pass.
  startPlayback({ from, speed, until }) { this.clock = { at: from, speed, from, until, ended: false }; }

  // The time the messages so far add up to. It also proves the connection alive (`now`, the
  // real time, as for a heartbeat). A new Snapshot (a restart from the last clock) leaves the
  // clock as it is: the snapshot is the state at that very time.
  applyClock(c, now = Date.now()) {
    this.clock = { at: Number(c.atMs), speed: c.speed, from: Number(c.fromMs), until: Number(c.untilMs), ended: c.ended };
    this.heard(now);
  }

  // The wall's "now" at the real time `now`: the playback clock, or the present on a live wall.
  // What compares with the current time (the time window, ages, time left) reads this; what
  // measures the page's own life (new-incident marks, the connection's age) reads the real time.
  timeAt(now) { return this.clock ? this.clock.at : now; }
  markChanged() { this.version++; }

  expireFresh(now) {
    for (const [id, until] of this.fresh) if (until < now) this.fresh.delete(id);
  }

  // The server's answer to the operator's PATCH, shown at once rather than with the next Delta.
  mergeIncident(inc, now) {
    if (!this.incidents.has(inc.id)) return false;
    this.incidents.set(inc.id, { ...this.incidents.get(inc.id), ...inc });
    this.fresh.set(inc.id, now + FRESH_MS);
    this.markChanged();
    return true;
  }

  // The REST fallback's poll: the full list replaces what is held. Only incidents that differ
  // count as changed, and they are marked new only when `markFresh` (not on the first poll, which
  // is the wall's starting state, not news). Returns whether anything changed.
  replaceIncidents(list, now, markFresh) {
    const seen = new Set();
    let any = false;
    for (const inc of list) {
      seen.add(inc.id);
      const old = this.incidents.get(inc.id);
      const differs = !old || old.status !== inc.status || old.last !== inc.last || old.reports !== inc.reports ||
        old.assignee !== inc.assignee || old.severity !== inc.severity || old.overdue !== inc.overdue;
      if (!differs) continue;
      if (markFresh) this.fresh.set(inc.id, now + FRESH_MS);
      this.incidents.set(inc.id, inc);
      any = true;
    }
    for (const id of [...this.incidents.keys()]) if (!seen.has(id)) { this.incidents.delete(id); any = true; }
    if (any) this.markChanged();
    return any;
  }

  setStats(level, code, stats) { this.stats.set(`${level}/${code}`, stats); }

  replaceAlerts(alerts) {
    this.alerts.clear();
    for (const a of alerts) this.alerts.set(a.id, a);
  }

  // What the district colours and the alert outlines depend on, to tell whether a poll changed it.
  statsSignature() {
    let sig = "";
    for (const [k, v] of this.stats) sig += `${k}:${v.open}:${v.reports1h};`;
    for (const a of this.alerts.values()) sig += `a${a.id}:${a.count};`;
    return sig;
  }

  applyStats_(d) {
    let reports1h = 0;
    for (const w of d.windows) if (w.window === "1h") reports1h += w.count;
    this.setStats(d.level, d.code, { open: d.openIncidents, reports1h });
  }

  // `what` is the alert's report type; without one the panel names its category.
  applyAlert_(a) {
    const alert = { id: Number(a.id), level: a.level, code: a.code, what: a.type, category: a.category,
      count: a.count, threshold: a.threshold, window: a.window, active: a.active };
    if (alert.active) this.alerts.set(alert.id, alert); else this.alerts.delete(alert.id);
  }

  applySource_(h) {
    // The pollers fetching this source, after their latest round: a failing one says why the source is stale.
    const pollers = (h.pollers ?? []).map((p) => ({ name: p.name, failures: p.consecutiveFailures, error: p.lastError,
      nextAttempt: Number(p.nextAttemptMs) }));
    this.sources.set(h.source, { source: h.source, last: Number(h.lastReportMs), interval: Number(h.expectedIntervalMs), stale: h.stale, pollers });
  }

  applyVehicle_(v) {
    this.vehicles.set(v.id, { id: v.id, source: v.source, label: v.label, route: v.routeId, trip: v.tripId, lon: v.lon, lat: v.lat,
      bearing: v.bearing, speed: v.speedMps, observed: Number(v.observedMs) });
  }
}
