// pantau's map wall. Data comes from the WebSocket stream (stream.js) or, when the server has no
// /ws yet, from polling the REST API; both feed one state (model.js); one throttled render pass
// draws the map and the panels from it. Nothing is fetched from anywhere but this server.
import * as maplibregl from "maplibre-gl";
import { Stream } from "./stream.js";
import { addBasemap, FILL_OPACITY_OVER_BASEMAP } from "./basemap.js";
import { t, ago, lang, locale } from "./i18n.js";
import {
  CATEGORIES, CATEGORY_NAMES, SEVERITY_NAMES, STATUS_NAMES, CATEGORY_COLOURS, statusGroup, isOpen,
  fromProto, fromJson, filterFromUrl, filterToParams, matches,
} from "./model.js";

const params = new URLSearchParams(location.search);
const kiosk = params.get("kiosk") === "1";
const $ = (id) => document.getElementById(id);
// Replace a panel's content only when it changed: rebuilding DOM costs style and layout work.
const setHTML = (el, html) => { if (el.__html !== html) { el.__html = html; el.innerHTML = html; } };
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const FRESH_MS = 6000;            // how long a new or updated incident stays marked
const FEED_SIZE = 60;
const METRICS = ["open", "reports_1h", "per_km2"];
const RAMP = ["#16202c", "#173a5c", "#1d5685", "#2574ad", "#3496d0", "#79c3ef"];  // 0, then 5 steps
const STATUS_COLOURS = { waiting: "#e5484d", in_process: "#f5b524", done: "#30a46c", dismissed: "#6b7280" };
// Vehicles are drawn in a colour no incident status uses, so red/yellow/green keep their meaning.
const VEHICLE_COLOUR = "#e6edf5";
const VEHICLE_OLD_MS = 120000;    // a position older than this (by the feed's clock) is drawn faded

// ---- state ----------------------------------------------------------------------------------
const state = {
  levels: [],                     // finest first, e.g. kelurahan, kecamatan, kota
  districts: new Map(),           // level -> Map(code -> {code, name, level, parent, area, bbox, centre})
  incidents: new Map(),           // id -> incident (model.js shape)
  fresh: new Map(),               // id -> time until which it is marked
  stats: new Map(),               // "level/code" -> {open, reports1h}
  alerts: new Map(),              // id -> {id, level, code, what, count, threshold, window, active}
  sources: new Map(),             // name -> {source, last, interval, stale}
  vehicles: new Map(),            // id -> {id, source, label, route, trip, lon, lat, bearing, speed, observed}
  vehicleVersion: 0,              // bumped on every vehicle change (they do not touch incidents)
  filter: filterFromUrl(params),
  metric: METRICS.includes(params.get("metric")) ? params.get("metric") : "open",
  conn: "connecting",
  mode: "ws",
  lastUpdate: 0,
  districtsDrawn: false,
  selected: null,
  series: null,                   // {start, buckets[24][category]} from /api/v1/stats/timeseries, null: fallback
  version: 0,                     // bumped on every change to incidents, stats or alerts
};
window.__pantau = { state, ready: false, frames: [] };

document.documentElement.lang = lang;
if (kiosk) document.body.classList.add("kiosk");

// ---- static text ----------------------------------------------------------------------------
function staticText() {
  document.title = t("title");
  $("title").textContent = t("title");
  $("metric-label").textContent = t("metric");
  $("metric").innerHTML = METRICS.map((m) => `<option value="${m}">${esc(t("metric_" + m))}</option>`).join("");
  $("metric").value = state.metric;
  $("filter-toggle").textContent = t("filters");
  $("counters-h").textContent = t("counters");
  $("alerts-h").textContent = t("alerts");
  $("sources-h").textContent = t("sources");
  $("top-h").textContent = t("top_districts");
  $("timeline-h").textContent = t("timeline");
  $("feed-h").textContent = t("feed");
  $("f-cat-label").textContent = t("category");
  $("f-type-label").textContent = t("type");
  $("f-sev-label").textContent = t("severity");
  $("f-district-label").textContent = t("district");
  $("f-apply").textContent = t("apply");
  $("f-clear").textContent = t("clear");
  $("f-cats").innerHTML = CATEGORIES.map((c) =>
    `<label><input type="checkbox" value="${c}" data-testid="f-cat-${CATEGORY_NAMES[c]}"> ${esc(t("cat_" + c))}</label>`).join("");
  $("f-sev").innerHTML = SEVERITY_NAMES.map((n, i) => `<option value="${i}">${esc(i ? t("sev_" + i) : t("all"))}</option>`).join("");
  $("timeline-legend").innerHTML = CATEGORIES.map((c) =>
    `<span><span class="sw" style="background:${CATEGORY_COLOURS[c]}"></span> ${esc(t("cat_" + c))}</span>`).join("");
}
staticText();

// ---- the map --------------------------------------------------------------------------------
maplibregl.setWorkerUrl(new URL("maplibre-gl-worker.mjs", location.href.replace(/[?#].*$/, "")).href);
const map = new maplibregl.Map({
  container: "map",
  // No glyphs and no sprite: labels are HTML, icons come from map.addImage, so nothing is fetched.
  style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#0b1016" } }] },
  center: [106.64, -6.19], zoom: 11, attributionControl: false,
  fadeDuration: 0, maxZoom: 18, minZoom: 8,
});
window.__pantau.map = map;
if (!kiosk) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
const mapLoaded = new Promise((resolve) => map.on("load", resolve));

function iconCanvas(category, group) {
  const s = 48, c = document.createElement("canvas");
  c.width = c.height = s;
  const g = c.getContext("2d");
  g.fillStyle = STATUS_COLOURS[group];
  g.strokeStyle = "#0b1016";
  g.lineWidth = 4;
  g.beginPath();
  if (category === 2) {            // transport: a diamond
    g.moveTo(s / 2, 3); g.lineTo(s - 3, s / 2); g.lineTo(s / 2, s - 3); g.lineTo(3, s / 2); g.closePath();
  } else if (category === 3) {     // disaster: a triangle
    g.moveTo(s / 2, 3); g.lineTo(s - 3, s - 6); g.lineTo(3, s - 6); g.closePath();
  } else {                         // complaint (and unspecified): a circle
    g.arc(s / 2, s / 2, s / 2 - 4, 0, Math.PI * 2);
  }
  g.stroke(); g.fill();
  g.lineWidth = 2; g.strokeStyle = "#ffffffcc"; g.stroke();
  return g.getImageData(0, 0, s, s);
}

// A vehicle: a light disc with a pointer towards its bearing (the layer rotates it), or without
// one when the feed gives no bearing.
function vehicleCanvas(pointer) {
  const s = 60, c = document.createElement("canvas");
  c.width = c.height = s;
  const g = c.getContext("2d");
  g.fillStyle = VEHICLE_COLOUR;
  g.strokeStyle = "#0b1016";
  g.lineWidth = 4;
  if (pointer) {
    g.beginPath(); g.moveTo(s / 2, 2); g.lineTo(s / 2 + 11, 17); g.lineTo(s / 2 - 11, 17); g.closePath();
    g.stroke(); g.fill();
  }
  g.beginPath(); g.arc(s / 2, s / 2 + 2, 17, 0, Math.PI * 2); g.stroke(); g.fill();
  g.fillStyle = "#0b1016";            // a bus's windscreen, so it never reads as an incident
  g.fillRect(s / 2 - 9, s / 2 - 4, 18, 7);
  return g.getImageData(0, 0, s, s);
}

function levelRole(level) {
  const i = state.levels.indexOf(level), n = state.levels.length;
  if (i === n - 1 && n > 2) return "top";
  if (i === 0) return "fine";
  return "mid";
}
const FINE_ZOOM = 12.2;           // kelurahan are coloured from this zoom on, kecamatan below it

async function loadDistricts() {
  const res = await fetch("/readyz", { cache: "no-store" });
  if (!res.ok) throw new Error(`readyz: HTTP ${res.status}`);
  const ready = await res.json();
  const levels = ready.levels ?? [];
  const collections = await Promise.all(levels.map(async (l) => {
    const r = await fetch(`/api/v1/districts?level=${encodeURIComponent(l)}`);
    if (!r.ok) throw new Error(`districts ${l}: HTTP ${r.status}`);
    return r.json();
  }));
  // Everything is fetched: from here on nothing can fail half-way and be added twice on a retry.
  state.levels = levels;
  await mapLoaded;
  for (const c of [0, 1, 2, 3]) for (const g of Object.keys(STATUS_COLOURS))
    map.addImage(`i-${c}-${g}`, iconCanvas(c, g), { pixelRatio: 2 });
  let cityBox = null;
  const drawOrder = [...state.levels].reverse();  // coarsest first, finest on top
  for (const [i, level] of state.levels.entries()) {
    const fc = collections[i];
    const byCode = new Map();
    for (const f of fc.features) {
      const p = f.properties;
      const bbox = bboxOf(f.geometry);
      byCode.set(p.code, { code: p.code, name: p.name, level, parent: p.parent, area: p.area_km2 || 0, bbox, centre: labelPoint(f.geometry, bbox) });
      cityBox = unionBox(cityBox, bbox);
    }
    state.districts.set(level, byCode);
    map.addSource(`d-${level}`, { type: "geojson", data: fc, promoteId: "code" });
  }
  state.cityBox = cityBox;
  for (const level of drawOrder) {
    const role = levelRole(level);
    if (role === "top") continue;
    const zoom = role === "fine" && state.levels.length > 1 ? { minzoom: FINE_ZOOM } : role === "mid" ? { maxzoom: FINE_ZOOM } : {};
    map.addLayer({ id: `fill-${level}`, type: "fill", source: `d-${level}`, ...zoom, paint: {
      "fill-color": ["match", ["coalesce", ["feature-state", "b"], 0], ...RAMP.flatMap((c, k) => (k ? [k, c] : [])), RAMP[0]],
      "fill-opacity": 0.9 } });
  }
  for (const level of drawOrder) {
    const role = levelRole(level);
    map.addLayer({ id: `line-${level}`, type: "line", source: `d-${level}`, ...(role === "fine" ? { minzoom: 10.5 } : {}), paint: {
      "line-color": role === "top" ? "#c9d6e8" : role === "mid" ? "#8da2bd" : "#4b5d75",
      "line-width": role === "top" ? 2.5 : role === "mid" ? 1.4 : 0.6 } });
  }
  for (const level of state.levels) {
    // A city-wide alert outlines the city; a red fill over everything would hide the map.
    if (levelRole(level) !== "top") map.addLayer({ id: `alert-fill-${level}`, type: "fill", source: `d-${level}`, paint: {
      "fill-color": "#ff3b30", "fill-opacity": ["case", ["boolean", ["feature-state", "alert"], false], 0.25, 0] } });
    map.addLayer({ id: `alert-line-${level}`, type: "line", source: `d-${level}`, paint: {
      "line-color": "#ff3b30", "line-width": 3, "line-opacity": ["case", ["boolean", ["feature-state", "alert"], false], 1, 0] } });
  }
  addIncidentLayers();
  addVehicleLayer();
  addLabels();
  // The optional local basemap (basemap.js) goes under the districts once it is read; the fills
  // then let it show through a little. The wall does not wait for it.
  addBasemap(map).then((kind) => {
    if (kind) for (const level of state.levels)
      if (map.getLayer(`fill-${level}`)) map.setPaintProperty(`fill-${level}`, "fill-opacity", FILL_OPACITY_OVER_BASEMAP);
    window.__pantau.basemap = kind;
  });
  map.fitBounds(cityBox, { padding: 30, duration: 0 });
  // The kiosk tour starts once the city is drawn: its flights would keep the map from ever
  // being idle, and the first view of a wall should be the whole city, complete.
  map.once("idle", () => { state.districtsDrawn = true; window.__pantau.ready = true; if (kiosk) startTour(); });
  populateDistrictFilter();
  render();
}

function addIncidentLayers() {
  const empty = { type: "FeatureCollection", features: [] };
  map.addSource("areas", { type: "geojson", data: empty });
  map.addLayer({ id: "areas-fill", type: "fill", source: "areas", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.28 } });
  map.addLayer({ id: "areas-line", type: "line", source: "areas", paint: { "line-color": ["get", "colour"], "line-width": 2, "line-dasharray": [2, 1] } });
  map.addSource("incidents", {
    type: "geojson", data: empty, cluster: true, clusterMaxZoom: 13, clusterRadius: 42,
    clusterProperties: {
      waiting: ["+", ["case", ["==", ["get", "g"], "waiting"], 1, 0]],
      in_process: ["+", ["case", ["==", ["get", "g"], "in_process"], 1, 0]],
    },
  });
  map.addLayer({ id: "clusters", type: "circle", source: "incidents", filter: ["has", "point_count"], paint: {
    "circle-color": ["case", [">", ["get", "waiting"], 0], STATUS_COLOURS.waiting, [">", ["get", "in_process"], 0], STATUS_COLOURS.in_process, STATUS_COLOURS.done],
    "circle-radius": ["interpolate", ["linear"], ["get", "point_count"], 2, 13, 50, 20, 500, 30, 5000, 40],
    "circle-opacity": 0.85, "circle-stroke-color": "#0b1016", "circle-stroke-width": 2 } });
  map.addLayer({ id: "incidents", type: "symbol", source: "incidents", filter: ["!", ["has", "point_count"]], layout: {
    "icon-image": ["get", "icon"], "icon-allow-overlap": true, "icon-ignore-placement": true,
    "icon-size": ["interpolate", ["linear"], ["get", "sev"], 0, 0.5, 4, 1.0],
    "symbol-sort-key": ["get", "sev"] } });
  map.on("click", "clusters", (e) => {
    map.easeTo({ center: e.features[0].geometry.coordinates, zoom: map.getZoom() + 2 });
  });
  map.on("click", "incidents", (e) => openDetails(Number(e.features[0].properties.id)));
  for (const l of ["clusters", "incidents"]) {
    map.on("mouseenter", l, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", l, () => (map.getCanvas().style.cursor = ""));
  }
}

// Live vehicles (GTFS-Realtime feeds, docs/feeds.md): under the incidents, which matter more.
function addVehicleLayer() {
  map.addImage("veh", vehicleCanvas(true), { pixelRatio: 2 });
  map.addImage("veh-n", vehicleCanvas(false), { pixelRatio: 2 });
  map.addSource("vehicles", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "vehicles", type: "symbol", source: "vehicles", layout: {
    "icon-image": ["case", ["has", "bearing"], "veh", "veh-n"], "icon-rotate": ["coalesce", ["get", "bearing"], 0],
    "icon-rotation-alignment": "map", "icon-allow-overlap": true, "icon-ignore-placement": true,
    "icon-size": ["interpolate", ["linear"], ["zoom"], 10, 0.55, 15, 1.0] },
    paint: { "icon-opacity": ["case", ["get", "old"], 0.4, 1] } }, "clusters");
  map.on("click", "vehicles", (e) => showVehicle(e.features[0].properties.id, e.lngLat));
  map.on("mouseenter", "vehicles", () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", "vehicles", () => (map.getCanvas().style.cursor = ""));
}

let vehiclePopup = null;
function showVehicle(id, at) {
  const v = state.vehicles.get(id);
  if (!v) return;
  vehiclePopup?.remove();
  const rows = [
    [t("route"), v.route || "–"],
    [t("source"), v.source],
    [t("position_age"), `${ago(Date.now() - v.observed)}`],
  ];
  if (v.speed !== undefined) rows.push([t("speed"), `${Math.round(v.speed * 3.6)} ${t("km_h")}`]);
  const html = `<div class="vehicle-popup" data-testid="vehicle-popup"><b>${esc(t("vehicle"))} ${esc(v.label || v.id)}</b>` +
    `<dl>${rows.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join("")}</dl></div>`;
  vehiclePopup = new maplibregl.Popup({ closeButton: true, maxWidth: "260px" }).setLngLat(at ?? [v.lon, v.lat]).setHTML(html).addTo(map);
}

// District names as HTML markers: MapLibre text would need glyph PBFs from somewhere.
function addLabels() {
  state.labels = [];
  for (const level of state.levels) {
    const role = levelRole(level);
    if (role === "top") continue;
    for (const d of state.districts.get(level).values()) {
      const el = document.createElement("div");
      el.className = "district-label" + (role === "mid" ? " kec" : "");
      el.textContent = d.name;
      const m = new maplibregl.Marker({ element: el }).setLngLat(d.centre).addTo(map);
      state.labels.push({ m, el, role });
    }
  }
  const update = () => {
    const z = map.getZoom(), multi = state.levels.length > 1;
    for (const { el, role } of state.labels)
      el.style.display = (role === "mid" ? (!multi || z < FINE_ZOOM + 0.8) : (!multi ? true : z >= FINE_ZOOM + 0.3)) ? "" : "none";
  };
  map.on("zoomend", update);
  update();
}

function bboxOf(geom) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") { b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])]; return; }
    for (const x of c) walk(x);
  };
  walk(geom.coordinates);
  return b;
}
function unionBox(a, b) { return a ? [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])] : b; }
// The area-weighted centroid of the largest ring: good enough to hang a label on.
function labelPoint(geom, bbox) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
  let best = null, bestArea = 0;
  for (const p of polys) {
    const r = p[0];
    let a = 0, cx = 0, cy = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
      a += f; cx += (r[j][0] + r[i][0]) * f; cy += (r[j][1] + r[i][1]) * f;
    }
    if (Math.abs(a) > bestArea) { bestArea = Math.abs(a); best = [cx / (3 * a), cy / (3 * a)]; }
  }
  return best ?? [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
}
function districtName(level, code) {
  return state.districts.get(level)?.get(code)?.name ?? code;
}
function incidentPlace(inc) {
  // The finest named level, with the one above it.
  const parts = [];
  for (const d of inc.districts.slice().reverse()) {
    const n = d.name || districtName(d.level, d.code);
    if (n) parts.push(n);
  }
  return parts.slice(0, 2).join(", ");
}

// ---- data in --------------------------------------------------------------------------------
function touch() { state.lastUpdate = Date.now(); }
function changed() { state.version++; }

function applySnapshot(s) {
  window.__pantau.snapshots = (window.__pantau.snapshots ?? 0) + 1;
  state.incidents.clear();
  for (const p of s.incidents) { const inc = fromProto(p); state.incidents.set(inc.id, inc); }
  state.stats.clear();
  for (const d of s.stats) applyStats(d);
  state.alerts.clear();
  for (const a of s.alerts) applyAlert(a);
  state.sources.clear();
  for (const h of s.sources) applySource(h);
  state.vehicles.clear();
  for (const v of s.vehicles) applyVehicle(v);
  state.vehicleVersion++;
  touch();
  changed();
  scheduleRender();
}

function applyDelta(d) {
  const now = Date.now();
  for (const p of d.upserts) {
    const inc = fromProto(p);
    state.incidents.set(inc.id, inc);
    state.fresh.set(inc.id, now + FRESH_MS);
  }
  for (const id of d.removedIncidentIds) state.incidents.delete(Number(id));
  for (const s of d.stats) applyStats(s);
  for (const a of d.alerts) applyAlert(a);
  for (const h of d.sources) applySource(h);
  for (const v of d.vehicles) applyVehicle(v);
  for (const id of d.removedVehicleIds) state.vehicles.delete(id);
  if (d.vehicles.length || d.removedVehicleIds.length) state.vehicleVersion++;
  touch();
  if (d.upserts.length || d.removedIncidentIds.length || d.stats.length || d.alerts.length) changed();
  scheduleRender();
}

function applyStats(d) {
  let reports1h = 0;
  for (const w of d.windows) if (w.window === "1h") reports1h += w.count;
  state.stats.set(`${d.level}/${d.code}`, { open: d.openIncidents, reports1h });
}
function applyAlert(a) {
  const alert = { id: Number(a.id), level: a.level, code: a.code, what: a.type || (a.category ? t("cat_" + a.category) : "*"),
    count: a.count, threshold: a.threshold, window: a.window, active: a.active };
  if (alert.active) state.alerts.set(alert.id, alert); else state.alerts.delete(alert.id);
}
function applySource(h) {
  state.sources.set(h.source, { source: h.source, last: Number(h.lastReportMs), interval: Number(h.expectedIntervalMs), stale: h.stale });
}

function applyVehicle(v) {
  state.vehicles.set(v.id, { id: v.id, source: v.source, label: v.label, route: v.routeId, trip: v.tripId, lon: v.lon, lat: v.lat,
    bearing: v.bearing, speed: v.speedMps, observed: Number(v.observedMs) });
}

function setConn(s) {
  state.conn = s;
  const el = $("conn");
  el.className = `conn ${s}`;
  document.body.classList.toggle("disconnected", s === "closed");
  $("disconnected").hidden = s !== "closed";
  $("disconnected").textContent = t("disconnected");
  tickConn();
}
function tickConn() {
  $("conn-text").textContent = t(state.conn === "open" ? "connected" : state.conn === "closed" ? "disconnected" : "connecting");
  $("conn-age").textContent = state.lastUpdate ? t("last_update", { age: ago(Date.now() - state.lastUpdate) }) : "";
}

let stream = null;
function startStream() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  stream = new Stream(url, {
    snapshot: applySnapshot,
    delta: applyDelta,
    heartbeat: () => touch(),
    message: () => {},
    state: (s, info) => {
      if (s === "closed" && info && !info.everOpened && state.mode === "ws") {
        // This server has no stream (yet): poll the REST API instead, for the page's life.
        stream.stop();
        state.mode = "rest";
        startPolling();
        return;
      }
      setConn(s === "open" ? "open" : s === "closed" ? "closed" : state.conn === "closed" ? "closed" : "connecting");
    },
  });
  stream.subscribe(state.filter);
  stream.start();
  window.__pantau.stream = stream;
  setInterval(() => stream.ping(), 15000);
}

// ---- REST fallback --------------------------------------------------------------------------
let pollTimer = null, statsEvery = 0;
function startPolling() {
  let cost = 0;
  const poll = async () => {
    let started = performance.now();
    try {
      const r = await fetch("/api/v1/incidents?limit=10000", { cache: "no-store" });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const body = await r.json();
      started = performance.now();  // the cost that counts is this page's own work, not the wait
      const now = Date.now(), seen = new Set();
      let any = false;
      for (const j of body.incidents) {
        const inc = fromJson(j);
        seen.add(inc.id);
        const old = state.incidents.get(inc.id);
        const differs = !old || old.status !== inc.status || old.last !== inc.last || old.reports !== inc.reports ||
          old.assignee !== inc.assignee || old.severity !== inc.severity;
        if (!differs) continue;
        if (state.polledOnce) state.fresh.set(inc.id, now + FRESH_MS);
        state.incidents.set(inc.id, inc);
        any = true;
      }
      for (const id of [...state.incidents.keys()]) if (!seen.has(id)) { state.incidents.delete(id); any = true; }
      if (any) changed();
      if (statsEvery-- <= 0) {
        statsEvery = 4;
        const before = statsSignature();
        await pollStats();
        if (statsSignature() !== before) { changed(); any = true; }
      }
      state.polledOnce = true;
      touch();
      if (state.conn !== "open") setConn("open");
      if (any) scheduleRender();
    } catch (e) {
      if (state.conn !== "closed") setConn("closed");
    }
    // Every 300 ms, but the page's own work on a poll (ten thousand incidents are megabytes of
    // JSON) may take at most a quarter of its time; never slower than every 2 s.
    cost = performance.now() - started;
    pollTimer = setTimeout(poll, Math.min(2000, Math.max(300, 3 * cost)));
  };
  poll();
}
function statsSignature() {
  let sig = "";
  for (const [k, v] of state.stats) sig += `${k}:${v.open}:${v.reports1h};`;
  for (const a of state.alerts.values()) sig += `a${a.id}:${a.count};`;
  return sig;
}
async function pollStats() {
  for (const level of state.levels) {
    const r = await fetch(`/api/v1/stats?level=${encodeURIComponent(level)}&window=1h`, { cache: "no-store" });
    if (!r.ok) continue;
    for (const d of (await r.json()).districts) state.stats.set(`${level}/${d.code}`, { open: d.open_incidents, reports1h: d.reports });
  }
  const r = await fetch("/api/v1/alerts", { cache: "no-store" });
  if (r.ok) {
    state.alerts.clear();
    for (const a of (await r.json()).active)
      state.alerts.set(a.id, { id: a.id, level: a.level, code: a.code, what: a.rule?.match ?? "*", count: a.count,
        threshold: a.rule?.raise_at ?? 0, window: a.rule?.window ?? "", active: true });
  }
}

// ---- render ---------------------------------------------------------------------------------
let renderQueued = false, lastRender = 0;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  // At most four full passes a second: thousands of updates a second must not mean thousands of redraws.
  const wait = Math.max(0, 250 - (performance.now() - lastRender));
  // A timer, not requestAnimationFrame: with a slow GPU the next frame can be far away, and the
  // panels must not wait for it (MapLibre schedules its own frame for the map).
  setTimeout(() => { renderQueued = false; lastRender = performance.now(); render(); }, wait);
}

function visibleIncidents() {
  const out = [];
  for (const inc of state.incidents.values()) if (matches(state.filter, inc)) out.push(inc);
  return out;
}

// The map is redrawn only when its data changed: every setData or feature-state change costs a
// full repaint, and a wall on a modest GPU must stay idle when nothing happens.
let drawnKey = "", freshKey = "";
function render() {
  if (!state.districts.size) return;
  const started = performance.now();
  const now = Date.now();
  for (const [id, until] of state.fresh) if (until < now) state.fresh.delete(id);
  const list = visibleIncidents();
  const key = `${state.version}|${JSON.stringify(state.filter)}|${state.metric}|${map.getZoom() < FINE_ZOOM}`;
  const fkey = [...state.fresh.keys()].join();
  if (key !== drawnKey || fkey !== freshKey) renderMap(list, now, key !== drawnKey);
  if (key !== drawnKey) renderMetric(list);
  drawnKey = key;
  freshKey = fkey;
  renderAlerts();
  renderCounters(list);
  renderTop(list);
  renderSources(now);
  renderVehicles(now);
  renderTimeline(list, now);
  renderFeed(list, now);
  window.__pantau.rendered = (window.__pantau.rendered ?? 0) + 1;
  window.__pantau.renderMs = performance.now() - started;  // the last pass, for scripts/frame-time.mjs
}

function renderMap(list, now, all) {
  const points = [], areas = [];
  for (const inc of list) {
    const g = statusGroup(inc.status);
    points.push({ type: "Feature", geometry: { type: "Point", coordinates: [inc.lon, inc.lat] },
      properties: { id: inc.id, g, sev: inc.severity, icon: `i-${inc.category}-${g}` } });
    if (inc.area) areas.push({ type: "Feature", geometry: inc.area, properties: { id: inc.id, colour: CATEGORY_COLOURS[inc.category] ?? "#999" } });
  }
  if (all) {
    map.getSource("incidents")?.setData({ type: "FeatureCollection", features: points });
    map.getSource("areas")?.setData({ type: "FeatureCollection", features: areas });
  }
  renderFreshMarkers();
}

// Redrawn when a vehicle changed, and every 10 s for the fading of old positions.
let drawnVehicles = "";
function renderVehicles(now) {
  const key = `${state.vehicleVersion}|${Math.floor(now / 10000)}`;
  if (key === drawnVehicles) return;
  drawnVehicles = key;
  const features = [];
  for (const v of state.vehicles.values()) {
    const properties = { id: v.id, old: now - v.observed > VEHICLE_OLD_MS };
    if (v.bearing !== undefined) properties.bearing = v.bearing;
    features.push({ type: "Feature", geometry: { type: "Point", coordinates: [v.lon, v.lat] }, properties });
  }
  map.getSource("vehicles")?.setData({ type: "FeatureCollection", features });
  const el = $("vehicles-line");
  el.hidden = state.vehicles.size === 0;
  setHTML(el, `<span class="veh-sw"></span> ${esc(t("vehicles"))}: <b data-testid="vehicle-count">${state.vehicles.size}</b>`);
}

// A new or updated incident gets a ring for a few seconds: an HTML marker with a CSS animation,
// which the compositor runs without repainting the map. At most 50 at once.
const freshMarkers = new Map();
function renderFreshMarkers() {
  for (const [id, m] of freshMarkers) if (!state.fresh.has(id)) { m.remove(); freshMarkers.delete(id); }
  for (const id of [...state.fresh.keys()].slice(-50)) {
    const inc = state.incidents.get(id);
    if (!inc || !matches(state.filter, inc)) continue;
    let m = freshMarkers.get(id);
    if (!m) {
      const el = document.createElement("div");
      el.appendChild(document.createElement("div")).className = "fresh-ring";
      m = new maplibregl.Marker({ element: el }).setLngLat([inc.lon, inc.lat]).addTo(map);
      freshMarkers.set(id, m);
    }
    m.setLngLat([inc.lon, inc.lat]);
  }
}

// Which districts an incident counts in, per level, and the metric per district.
function metricValues(list) {
  const open = new Map();
  for (const inc of list) {
    if (!isOpen(inc.status)) continue;
    for (const d of inc.districts) open.set(`${d.level}/${d.code}`, (open.get(`${d.level}/${d.code}`) ?? 0) + 1);
  }
  const values = new Map();
  for (const [level, byCode] of state.districts) for (const d of byCode.values()) {
    const key = `${level}/${d.code}`;
    let v = 0;
    if (state.metric === "open") v = open.get(key) ?? 0;
    else if (state.metric === "reports_1h") v = state.stats.get(key)?.reports1h ?? 0;
    else v = d.area > 0 ? (open.get(key) ?? 0) / d.area : 0;
    values.set(key, v);
  }
  return values;
}

// Five class bounds up to max; counts get whole-number bounds (repeats collapse in the legend).
function niceBreaks(max, whole) {
  if (max <= 0) return [0, 0, 0, 0, 0];
  const raw = [0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max);
  const round = (x) => (whole || max >= 10 ? Math.ceil(x) : Math.ceil(x * 10) / 10);
  return raw.map(round);
}

let lastMetricKey = "";
function renderMetric(list) {
  const values = metricValues(list);
  const byLevelMax = new Map();
  for (const [key, v] of values) { const level = key.split("/")[0]; byLevelMax.set(level, Math.max(byLevelMax.get(level) ?? 0, v)); }
  const breaksByLevel = new Map([...byLevelMax].map(([l, m]) => [l, niceBreaks(m, state.metric !== "per_km2")]));
  const alerted = new Set([...state.alerts.values()].map((a) => `${a.level}/${a.code}`));
  const sig = [];
  for (const [key, v] of values) {
    const [level, code] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    const br = breaksByLevel.get(level);
    let b = 0;
    if (v > 0) { b = 1; while (b < 5 && v > br[b - 1]) b++; }
    const alert = alerted.has(key);
    sig.push(b, alert ? 1 : 0);
    map.setFeatureState({ source: `d-${level}`, id: code }, { b, alert });
  }
  // Legend for the level the eye is on at this zoom.
  const shown = state.levels.length > 1 && map.getZoom() < FINE_ZOOM ? state.levels[1] : state.levels[0];
  const br = breaksByLevel.get(shown) ?? [0, 0, 0, 0, 0];
  const fmt = (x) => (state.metric === "per_km2" ? x.toFixed(1) : String(Math.round(x)));
  const key = `${state.metric}|${shown}|${br.join()}|${lang}`;
  if (key !== lastMetricKey) {
    lastMetricKey = key;
    const rows = [`<div class="row"><span class="box" style="background:${RAMP[0]}"></span>0</div>`];
    let lo = 0;
    for (let k = 1; k <= 5; k++) {
      if (br[k - 1] <= lo && k > 1) continue;
      rows.push(`<div class="row"><span class="box" style="background:${RAMP[k]}"></span>${lo === 0 && k === 1 ? "&gt; 0" : fmt(lo)} – ${fmt(br[k - 1])}</div>`);
      lo = br[k - 1];
    }
    const status = ["waiting", "in_process", "done"].map((g) => `<span><span class="sw g-${g}"></span> ${esc(t("group_" + g))}</span>`).join("");
    $("legend").innerHTML = `<h3>${esc(t("metric_" + state.metric))} · ${esc(shown)}</h3>${rows.join("")}` +
      `<div class="row" style="margin-top:4px"><span class="box" style="background:#ff3b3040;border:2px solid #ff3b30"></span>${esc(t("alerts"))}</div>` +
      `<div class="status">${status}</div>`;
  }
}

function renderAlerts() {
  const active = [...state.alerts.values()].sort((a, b) => b.count - a.count);
  const text = (a) => t("alert_text", { district: districtName(a.level, a.code), count: a.count, what: a.what, window: a.window, threshold: a.threshold });
  setHTML($("alerts"), active.length ? active.slice(0, 8).map((a) => `<li>⚠ ${esc(text(a))}</li>`).join("") : `<li class="none">${esc(t("no_alerts"))}</li>`);
  const banner = $("alert-banner");
  banner.hidden = !active.length;
  if (active.length) banner.textContent = `⚠ ${t("alerts")} (${active.length}): ` + active.slice(0, 4).map(text).join(" · ");
}

function renderCounters(list) {
  const cell = new Map();
  for (const inc of list) if (isOpen(inc.status)) {
    const k = `${inc.category}/${inc.severity}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
  }
  const sevs = [4, 3, 2, 1, 0];
  const head = `<tr><th></th>${sevs.map((s) => `<th title="${esc(t("sev_" + s))}">${esc(s ? t("sev_" + s) : "?")}</th>`).join("")}<th>Σ</th></tr>`;
  const totals = sevs.map(() => 0);
  const rows = CATEGORIES.map((c) => {
    let sum = 0;
    const tds = sevs.map((s, i) => { const n = cell.get(`${c}/${s}`) ?? 0; sum += n; totals[i] += n; return `<td>${n}</td>`; }).join("");
    return `<tr data-cat="${CATEGORY_NAMES[c]}"><td><span class="sw" style="background:${CATEGORY_COLOURS[c]}"></span> ${esc(t("cat_" + c))}</td>${tds}<td><b>${sum}</b></td></tr>`;
  }).join("");
  const all = totals.reduce((a, b) => a + b, 0);
  setHTML($("counters"), `<table>${head}${rows}<tr class="total"><td>Σ</td>${totals.map((n) => `<td>${n}</td>`).join("")}<td data-testid="open-total">${all}</td></tr></table>`);
}

function renderTop(list) {
  const level = state.levels[0];
  const counts = new Map();
  for (const inc of list) if (isOpen(inc.status)) for (const d of inc.districts) if (d.level === level) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
  setHTML($("top"), top.length ? top.map(([code, n]) => `<li data-code="${esc(code)}"><span>${esc(districtName(level, code))}</span><b>${n}</b></li>`).join("")
    : `<li class="none muted">${esc(t("none"))}</li>`);
}

function renderSources(now) {
  // Sources the server reports health for, plus (with only their age, no verdict) the sources
  // named by the incidents on the wall that it does not report on.
  const all = new Map(state.sources);
  for (const inc of state.incidents.values()) for (const name of inc.sources) {
    const cur = all.get(name);
    if (!cur) all.set(name, { source: name, last: inc.last, interval: 0, stale: false, derived: true });
    else if (cur.derived && cur.last < inc.last) cur.last = inc.last;
  }
  const list = [...all.values()].sort((a, b) => a.source.localeCompare(b.source));
  setHTML($("sources"), list.length ? list.map((s) => {
    // A declared source that never reported has no last report (0): stale, with no age to show.
    const reported = s.last > 0;
    const age = now - s.last;
    // The server's verdict, or the same rule (age > interval) while the stream is quiet between ticks.
    const stale = s.stale || !reported || (s.interval > 0 && age > s.interval);
    const when = reported ? ago(age) : t("never");
    return `<li class="${stale ? "stale" : ""}" data-source="${esc(s.source)}"><span>${stale ? "⚠ " : ""}${esc(s.source)}</span><span>${stale ? esc(t("stale")) + " · " : ""}${esc(when)}</span></li>`;
  }).join("") : `<li class="none">${esc(t("no_sources"))}</li>`);
}

// ---- the 24-hour chart ------------------------------------------------------------------------
// Reports per hour by category from GET /api/v1/stats/timeseries: exact counts by observed_at,
// including reports merged into an incident and incidents the wall no longer holds. The area is
// the district filter's districts, else the whole city: the coarsest level the page loaded (one
// district when a city level is loaded, else the sum of that level's districts, which tile it).
// The type filter is asked of the server (one request per type); the category filter hides the
// other categories; the severity filter does not apply (the reply's severities are not split by
// category). Refreshed on load, every 60 s and on a filter change.
const HOUR = 3600000;
const SERIES_MAX_REQUESTS = 64;   // districts × types per refresh; beyond that the fallback counts
let seriesSeq = 0;
function seriesTargets() {
  const f = state.filter;
  if (f.districts.length) {
    // The level of a code as the server resolves it: the finest that has it.
    return f.districts.map((code) => ({ code, level: state.levels.find((l) => state.districts.get(l)?.has(code)) }))
      .filter((d) => d.level);
  }
  const top = state.levels[state.levels.length - 1];
  return [...(state.districts.get(top)?.keys() ?? [])].map((code) => ({ code, level: top }));
}
async function loadSeries() {
  const my = ++seriesSeq;
  const start = Math.floor(Date.now() / HOUR) * HOUR - 23 * HOUR;
  const types = state.filter.types.length ? state.filter.types : [""];
  const jobs = seriesTargets().flatMap((d) => types.map((type) => ({ ...d, type })));
  let next = null;
  try {
    if (jobs.length > SERIES_MAX_REQUESTS) throw new Error(`${jobs.length} series requests asked for`);
    const replies = await Promise.all(jobs.map(async (j) => {
      const q = new URLSearchParams({ district: j.code, level: j.level, bucket: "1h", since: new Date(start).toISOString() });
      if (j.type) q.set("type", j.type);
      const r = await fetch(`/api/v1/stats/timeseries?${q}`, { cache: "no-store" });
      if (!r.ok) throw new Error(`timeseries ${j.code}: HTTP ${r.status}`);
      return r.json();
    }));
    const buckets = Array.from({ length: 24 }, () => [0, 0, 0, 0]);
    for (const reply of replies) for (const p of reply.series ?? []) {
      const k = Math.floor((Date.parse(p.t) - start) / HOUR);
      if (k >= 0 && k < 24) for (const c of CATEGORIES) buckets[k][c] += p.by_category?.[CATEGORY_NAMES[c]] ?? 0;
    }
    next = { start, buckets };
  } catch (e) {
    console.warn("pantau: the 24-hour chart counts the incidents the wall holds:", e.message);
  }
  if (my !== seriesSeq) return;  // a newer refresh (a filter change) was started meanwhile
  state.series = next;
  scheduleRender();  // not changed(): the map does not depend on the chart, and a redraw costs a repaint
}

function renderTimeline(list, now) {
  let start, buckets, source;
  if (state.series) {
    ({ start, buckets } = state.series);
    source = "timeseries";
  } else {
    // Fallback only, for a server without /api/v1/stats/timeseries (404 on an older pantau) or
    // while it fails: new incidents per hour by first report, from the incidents the wall holds.
    start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
    buckets = Array.from({ length: 24 }, () => [0, 0, 0, 0]);
    for (const inc of list) {
      const k = Math.floor((inc.first - start) / HOUR);
      if (k >= 0 && k < 24) buckets[k][inc.category] += 1;
    }
    source = "incidents";
  }
  const shown = state.filter.categories.length ? state.filter.categories : CATEGORIES;
  const counts = buckets.map((b) => CATEGORIES.map((c) => (shown.includes(c) ? b[c] : 0)));
  const max = Math.max(1, ...counts.map((b) => b.reduce((a, n) => a + n, 0)));
  const hhmm = (ms) => new Date(ms).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  // One element per hour (bottom-up: complaint, transport, disaster), with its counts as data
  // attributes and a tooltip, so the numbers behind a bar can be read.
  const bars = counts.map((b, k) => {
    const t0 = start + k * HOUR, total = b.reduce((a, n) => a + n, 0);
    const cats = CATEGORIES.map((c, i) => `data-${CATEGORY_NAMES[c]}="${b[i]}"`).join(" ");
    const tip = `${hhmm(t0)}: ${total}` + (total ? ` (${CATEGORIES.map((c, i) => b[i] ? `${t("cat_" + c)} ${b[i]}` : "").filter(Boolean).join(", ")})` : "");
    const segs = CATEGORIES.map((c, i) => b[i] ? `<span style="height:${(100 * b[i] / max).toFixed(2)}%;background:${CATEGORY_COLOURS[c]}"></span>` : "").join("");
    return `<div class="bar" data-hour="${new Date(t0).toISOString()}" data-count="${total}" ${cats} title="${esc(tip)}">${segs}</div>`;
  }).join("");
  const ticks = [0, 6, 12, 18].map((k) => `<span class="tick" style="left:${(100 * k / 24).toFixed(2)}%">${esc(hhmm(start + k * HOUR))}</span>`).join("");
  const el = $("timeline");
  el.dataset.source = source;
  setHTML(el, `<span class="max">${max}</span><div class="bars">${bars}</div>${ticks}`);
}

function renderFeed(list, now) {
  const newest = list.slice().sort((a, b) => b.last - a.last || b.id - a.id).slice(0, FEED_SIZE);
  setHTML($("feed"), newest.map((inc) => {
    const g = statusGroup(inc.status);
    const what = inc.title || inc.type || t("cat_" + inc.category);
    return `<li data-id="${inc.id}" data-status="${STATUS_NAMES[inc.status]}" class="${state.fresh.has(inc.id) ? "fresh" : ""}">` +
      `<span class="sw g-${g}" title="${esc(t("group_" + g))}"></span><span class="what">${esc(what)}</span>` +
      `<span class="st g-${g}">${esc(t("st_" + inc.status))}</span>` +
      `<span class="where"><span>${esc(t("cat_" + inc.category))} · ${esc(t("sev_" + inc.severity))}</span><span>${esc(incidentPlace(inc))}</span>` +
      `<span class="age">${esc(ago(now - inc.last))}</span>${inc.reports > 1 ? `<span>×${inc.reports}</span>` : ""}</span></li>`;
  }).join(""));
}

$("feed").addEventListener("click", (e) => {
  const li = e.target.closest("li[data-id]");
  if (!li) return;
  const inc = state.incidents.get(Number(li.dataset.id));
  if (!inc) return;
  map.flyTo({ center: [inc.lon, inc.lat], zoom: Math.max(map.getZoom(), 15), duration: 1200 });
  openDetails(inc.id);
});
$("top").addEventListener("click", (e) => {
  const li = e.target.closest("li[data-code]");
  const d = li && state.districts.get(state.levels[0])?.get(li.dataset.code);
  if (d) map.fitBounds(d.bbox, { padding: 60, maxZoom: 15 });
});

// Cluster sizes as HTML, for the same reason as the labels.
const clusterMarkers = new Map();
function updateClusterCounts() {
  if (!map.getSource("incidents")) return;
  const seen = new Set();
  for (const f of map.querySourceFeatures("incidents", { filter: ["has", "point_count"] })) {
    const id = f.properties.cluster_id;
    if (seen.has(id)) continue;
    seen.add(id);
    let m = clusterMarkers.get(id);
    if (!m) {
      const el = document.createElement("div");
      el.className = "cluster-count";
      m = new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map);
      clusterMarkers.set(id, m);
    }
    m.setLngLat(f.geometry.coordinates);
    m.getElement().textContent = f.properties.point_count_abbreviated;
  }
  for (const [id, m] of clusterMarkers) if (!seen.has(id)) { m.remove(); clusterMarkers.delete(id); }
}
// Not on "idle" alone: while an alert pulses the map is never idle.
let clusterTimer = null;
const queueClusterCounts = () => { if (!clusterTimer) clusterTimer = setTimeout(() => { clusterTimer = null; updateClusterCounts(); }, 300); };
map.on("idle", updateClusterCounts);
map.on("moveend", queueClusterCounts);
map.on("sourcedata", (e) => { if (e.sourceId === "incidents" && e.isSourceLoaded) queueClusterCounts(); });

// ---- details and operator actions ----------------------------------------------------------
async function openDetails(id) {
  state.selected = id;
  const box = $("details");
  box.hidden = false;
  const r = await fetch(`/api/v1/incidents/${id}`, { cache: "no-store" });
  if (!r.ok) { box.innerHTML = `<h2>${esc(t("error"))} ${r.status}</h2>`; return; }
  const j = await r.json();
  if (state.selected !== id) return;
  const inc = fromJson(j);
  const fmtTime = (ms) => new Date(ms).toLocaleString(locale);
  const districts = Object.entries(j.districts ?? {}).filter(([, c]) => c).map(([l, c]) => `${esc(districtName(l, c))} <span class="muted">(${esc(l)})</span>`).join("<br>");
  const statusOptions = STATUS_NAMES.map((n, i) => (i ? `<option value="${n}" ${i === inc.status ? "selected" : ""}>${esc(t("st_" + i))}</option>` : "")).join("");
  box.innerHTML = `<h2><span>#${inc.id} ${esc(inc.title || inc.type)}</span><button id="d-close" title="${esc(t("close"))}">✕</button></h2>
    <dl>
      <dt>${esc(t("status"))}</dt><dd data-testid="d-status"><span class="sw g-${statusGroup(inc.status)}"></span> ${esc(t("st_" + inc.status))}</dd>
      <dt>${esc(t("category"))}</dt><dd>${esc(t("cat_" + inc.category))} · ${esc(inc.type)}</dd>
      <dt>${esc(t("severity"))}</dt><dd>${esc(t("sev_" + inc.severity))}</dd>
      <dt>${esc(t("district"))}</dt><dd>${districts || esc(t("none"))}</dd>
      <dt>${esc(t("first_report"))}</dt><dd>${esc(fmtTime(inc.first))}</dd>
      <dt>${esc(t("last_report"))}</dt><dd>${esc(fmtTime(inc.last))}</dd>
      <dt>${esc(t("report_ids"))}</dt><dd>${inc.reports} · ${esc((j.report_ids ?? []).slice(-10).join(", "))}</dd>
      <dt>${esc(t("sources_of"))}</dt><dd>${esc(inc.sources.join(", "))}</dd>
      <dt>${esc(t("assignee"))}</dt><dd data-testid="d-assignee">${esc(inc.assignee || t("none"))}</dd>
    </dl>
    <h2>${esc(t("audit"))}</h2>
    <ul class="audit">${(j.audit ?? []).map((a) => `<li>${esc(new Date(a.at).toLocaleString(locale))} · <b>${esc(a.actor)}</b> · ${esc(a.what)}</li>`).join("") || `<li>${esc(t("none"))}</li>`}</ul>
    <form id="d-form">
      <label>${esc(t("status"))}<select name="status">${statusOptions}</select></label>
      <label>${esc(t("assignee"))}<input name="assignee" value="${esc(inc.assignee)}"></label>
      <label>${esc(t("note"))}<input name="note"></label>
      <button type="submit">${esc(t("save"))}</button>
      <div class="msg" id="d-msg"></div>
    </form>`;
  $("d-close").onclick = () => { box.hidden = true; state.selected = null; };
  $("d-form").onsubmit = async (e) => {
    e.preventDefault();
    const form = new FormData(e.target), body = { actor: "operator" };
    if (form.get("status") !== STATUS_NAMES[inc.status]) body.status = form.get("status");
    if (form.get("assignee") !== inc.assignee) body.assignee = form.get("assignee");
    if (form.get("note")) body.note = form.get("note");
    if (!body.status && body.assignee === undefined && !body.note) return;
    const res = await fetch(`/api/v1/incidents/${id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      $("d-msg").textContent = `${t("error")}: ${err.error?.message ?? res.status}`;
      return;
    }
    const updated = fromJson(await res.json().catch(() => j));
    if (updated.id === id && state.incidents.has(id)) {
      state.incidents.set(id, { ...state.incidents.get(id), ...updated });
      state.fresh.set(id, Date.now() + FRESH_MS);
      changed();
      scheduleRender();
    }
    await openDetails(id);
    $("d-msg").textContent = t("saved");
  };
}

// ---- filters --------------------------------------------------------------------------------
function populateDistrictFilter() {
  const opts = [`<option value="">${esc(t("all"))}</option>`];
  for (const level of state.levels.slice().reverse()) {
    if (levelRole(level) === "top") continue;
    const list = [...state.districts.get(level).values()].sort((a, b) => a.name.localeCompare(b.name));
    opts.push(`<optgroup label="${esc(level)}">${list.map((d) => `<option value="${esc(d.code)}">${esc(d.name)}</option>`).join("")}</optgroup>`);
  }
  $("f-district").innerHTML = opts.join("");
  syncFilterForm();
}
function syncFilterForm() {
  const f = state.filter;
  for (const box of $("f-cats").querySelectorAll("input")) box.checked = f.categories.includes(Number(box.value));
  $("f-types").value = f.types.join(", ");
  $("f-sev").value = String(f.minSeverity);
  $("f-district").value = f.districts[0] ?? "";
}
function setFilter(f) {
  state.filter = f;
  const p = filterToParams(f, new URLSearchParams(location.search));
  history.replaceState(null, "", `${location.pathname}${p.toString() ? "?" + p : ""}`);
  if (stream && state.mode === "ws") stream.subscribe(f);
  loadSeries();
  scheduleRender();
}
$("filter-toggle").onclick = () => {
  $("filters").hidden = !$("filters").hidden;
  // The types the wall has seen, as suggestions.
  const types = [...new Set([...state.incidents.values()].map((i) => i.type).filter(Boolean))].sort();
  $("f-type-list").innerHTML = types.map((ty) => `<option value="${esc(ty)}">`).join("");
};
$("filters").onsubmit = (e) => {
  e.preventDefault();
  setFilter({
    categories: [...$("f-cats").querySelectorAll("input:checked")].map((b) => Number(b.value)),
    types: $("f-types").value.split(",").map((s) => s.trim()).filter(Boolean),
    districts: $("f-district").value ? [$("f-district").value] : [],
    minSeverity: Number($("f-sev").value),
  });
  $("filters").hidden = true;
};
$("f-clear").onclick = () => { setFilter({ categories: [], types: [], districts: [], minSeverity: 0 }); syncFilterForm(); };
$("metric").onchange = () => {
  state.metric = $("metric").value;
  const p = new URLSearchParams(location.search);
  p.set("metric", state.metric);
  history.replaceState(null, "", `${location.pathname}?${p}`);
  scheduleRender();
};
map.on("zoomend", () => scheduleRender());

// ---- clock, pulse, kiosk tour ---------------------------------------------------------------
function tickClock() {
  const d = new Date();
  $("clock").textContent = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: kiosk ? undefined : "2-digit" }) +
    (kiosk ? ` · ${d.toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" })}` : "");
  tickConn();
  scheduleRender();  // ages in the feed and the source list; the map only redraws on change
}
setInterval(tickClock, 1000);
tickClock();

// The alert pulse: a paint change four times a second, and only while an alert is active.
let pulsing = false;
setInterval(() => {
  if (!map.isStyleLoaded() || !state.levels.length) return;
  // Only while something pulses: every paint change is a repaint of the whole map.
  const alerts = state.alerts.size > 0;
  if (!alerts && !pulsing) return;
  pulsing = alerts;
  const phase = pulsing ? (Math.sin(Date.now() / 300) + 1) / 2 : 0;
  for (const level of state.levels) {
    if (!map.getLayer(`alert-line-${level}`)) continue;
    if (map.getLayer(`alert-fill-${level}`))
      map.setPaintProperty(`alert-fill-${level}`, "fill-opacity", ["case", ["boolean", ["feature-state", "alert"], false], 0.12 + 0.3 * phase, 0]);
    map.setPaintProperty(`alert-line-${level}`, "line-width", 2 + 3 * phase);
  }
}, 250);

function startTour() {
  let step = 0;
  window.__pantau.tour = [];
  const next = () => {
    const alerted = [...state.alerts.values()].map((a) => state.districts.get(a.level)?.get(a.code)).filter(Boolean);
    const stops = [{ name: t("kiosk_tour_city"), bbox: state.cityBox }, ...alerted.map((d) => ({ name: d.name, bbox: d.bbox }))];
    // The list changes as alerts come and go (the first stop may come before the snapshot):
    // step only moves on, so the city is never shown twice in a row while alerts are active.
    const stop = stops[step % stops.length];
    step = (step % stops.length) + 1;
    // For tests and scripts: each stop, and where the map was when it began (the last stop's view);
    // the latest 100 only, since a wall tours for months.
    const c = map.getCenter();
    window.__pantau.tour.push({ name: stop.name, from: [c.lng, c.lat] });
    if (window.__pantau.tour.length > 100) window.__pantau.tour.shift();
    if (stop.bbox) map.fitBounds(stop.bbox, { padding: 60, duration: 3000, maxZoom: 15 });
    $("tour-label").hidden = false;
    $("tour-label").textContent = stop.name;
  };
  next();
  setInterval(next, Number(params.get("tour_s") ?? 20) * 1000);
}

// ---- frame timing (for the 10,000-incident measurement in docs/web.md) ----------------------
// Map frame times while measuring only: an idle wall must not wake up sixty times a second.
window.__pantau.measure = (ms) => new Promise((resolve) => {
  const frames = [];
  const onRender = () => frames.push(performance.now());
  map.on("render", onRender);
  const end = performance.now() + ms;
  const spin = () => {
    if (performance.now() < end) { map.triggerRepaint(); requestAnimationFrame(spin); return; }
    map.off("render", onRender);
    const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
    const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
    resolve({ frames: frames.length, median: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1] });
  };
  requestAnimationFrame(spin);
});
// Synthetic incidents through the same path as a Delta, for that measurement only.
window.__pantau.inject = (n) => {
  const box = state.cityBox, kel = [...(state.districts.get(state.levels[0])?.values() ?? [])];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const id = 1e9 + i, d = kel[i % kel.length];
    const cat = 1 + (i % 3), status = 1 + (i % 6);
    state.incidents.set(id, { id, category: cat, type: "synthetic", severity: i % 5, status,
      lon: box[0] + Math.random() * (box[2] - box[0]), lat: box[1] + Math.random() * (box[3] - box[1]), area: null,
      districts: d ? [{ level: state.levels[0], code: d.code, name: d.name }] : [], first: now - Math.random() * 86400000, last: now,
      reports: 1, sources: ["synthetic"], assignee: "", agency: "", title: "" });
    if (i % 50 === 0) state.fresh.set(id, now + FRESH_MS);
  }
  changed();
  scheduleRender();
};

// ---- start ----------------------------------------------------------------------------------
// A wall that boots while the server is down keeps trying instead of showing a dead page.
async function boot() {
  try {
    await loadDistricts();
  } catch (e) {
    console.warn("pantau: cannot load the districts yet", e);
    setConn("closed");
    setTimeout(boot, 2000);
    return;
  }
  if (params.get("stream") === "rest") { state.mode = "rest"; startPolling(); } else startStream();
  loadSeries();
  setInterval(loadSeries, 60000);
}
boot();
