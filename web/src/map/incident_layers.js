// Incidents on the map: a symbol per incident (shape by category, colour by status group),
// clusters with their sizes as HTML, alert areas under them in their CAP severity's colour (a
// click shows headline, sender and time left), an earthquake's magnitude at its epicentre, and a
// ring around the new ones.
import * as maplibregl from "maplibre-gl";
import { SEVERITY_COLOURS, statusGroup, magnitudeOf } from "../model.js";
import { t, typeName } from "../i18n.js";
import { esc } from "../dom.js";
import { alertLine, magnitudeHtml } from "../panels/feed.js";
import { BACKGROUND, pointerOver } from "./wall_map.js";

// DESIGN §8: Tangerang's three colours — red waiting, yellow in process, green done.
const STATUS_COLOURS = { waiting: "#e5484d", in_process: "#f5b524", done: "#30a46c", dismissed: "#6b7280" };
const MAX_RINGS = 50;
const OVERDUE_COLOUR = "#ff3b30";
const EMPTY = { type: "FeatureCollection", features: [] };

function iconImage(category, group) {
  const s = 48, c = document.createElement("canvas");
  c.width = c.height = s;
  const g = c.getContext("2d");
  g.fillStyle = STATUS_COLOURS[group];
  g.strokeStyle = BACKGROUND;
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

// onPick(id): an incident was clicked.
export function addIncidentLayers(map, { onPick }) {
  for (const c of [0, 1, 2, 3]) for (const g of Object.keys(STATUS_COLOURS))
    map.addImage(`i-${c}-${g}`, iconImage(c, g), { pixelRatio: 2 });
  map.addSource("areas", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "areas-fill", type: "fill", source: "areas", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.28 } });
  map.addLayer({ id: "areas-line", type: "line", source: "areas", paint: { "line-color": ["get", "colour"], "line-width": 2, "line-dasharray": [2, 1] } });
  pointerOver(map, "areas-fill");
  map.addSource("incidents", {
    type: "geojson", data: EMPTY, cluster: true, clusterMaxZoom: 13, clusterRadius: 42,
    clusterProperties: {
      waiting: ["+", ["case", ["==", ["get", "g"], "waiting"], 1, 0]],
      in_process: ["+", ["case", ["==", ["get", "g"], "in_process"], 1, 0]],
    },
  });
  map.addLayer({ id: "clusters", type: "circle", source: "incidents", filter: ["has", "point_count"], paint: {
    "circle-color": ["case", [">", ["get", "waiting"], 0], STATUS_COLOURS.waiting, [">", ["get", "in_process"], 0], STATUS_COLOURS.in_process, STATUS_COLOURS.done],
    "circle-radius": ["interpolate", ["linear"], ["get", "point_count"], 2, 13, 50, 20, 500, 30, 5000, 40],
    "circle-opacity": 0.85, "circle-stroke-color": BACKGROUND, "circle-stroke-width": 2 } });
  // An overdue incident (docs/config.md "[sla]"): a red ring under its symbol.
  map.addLayer({ id: "incidents-overdue", type: "circle", source: "incidents", filter: ["all", ["!", ["has", "point_count"]], ["==", ["get", "overdue"], true]],
    paint: { "circle-radius": 15, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": OVERDUE_COLOUR, "circle-stroke-width": 3 } });
  map.addLayer({ id: "incidents", type: "symbol", source: "incidents", filter: ["!", ["has", "point_count"]], layout: {
    "icon-image": ["get", "icon"], "icon-allow-overlap": true, "icon-ignore-placement": true,
    "icon-size": ["interpolate", ["linear"], ["get", "sev"], 0, 0.5, 4, 1.0],
    "symbol-sort-key": ["get", "sev"] } });
  map.on("click", "clusters", (e) => {
    map.easeTo({ center: e.features[0].geometry.coordinates, zoom: map.getZoom() + 2 });
  });
  map.on("click", "incidents", (e) => onPick(Number(e.features[0].properties.id)));
  for (const l of ["clusters", "incidents"]) pointerOver(map, l);
  showClusterSizes(map);
}

// Returns drawIncidents(list, shown, dataChanged): the points and areas are handed to the map
// only when dataChanged (each setData re-indexes the source in the worker and repaints); the
// rings follow the fresh incidents that are shown (the pass's filter test) on every call.
export function createIncidentDrawing(map, store) {
  const rings = new Map(), quakes = new Map();
  showAreaPopups(map, store);
  const drawRings = (shown) => {
    for (const [id, m] of rings) {
      const inc = store.incidents.get(id);
      if (!store.fresh.has(id) || !inc || !shown(inc)) { m.remove(); rings.delete(id); }
    }
    for (const id of [...store.fresh.keys()].slice(-MAX_RINGS)) {
      const inc = store.incidents.get(id);
      if (!inc || !shown(inc)) continue;
      let m = rings.get(id);
      if (!m) {
        // An HTML marker with a CSS animation, which the compositor runs without repainting the map.
        const el = document.createElement("div");
        el.appendChild(document.createElement("div")).className = "fresh-ring";
        m = new maplibregl.Marker({ element: el }).setLngLat([inc.lon, inc.lat]).addTo(map);
        rings.set(id, m);
      }
      m.setLngLat([inc.lon, inc.lat]);
    }
  };
  return function drawIncidents(list, shown, dataChanged) {
    if (dataChanged) {
      const points = [], areas = [];
      for (const inc of list) {
        const g = statusGroup(inc.status);
        points.push({ type: "Feature", geometry: { type: "Point", coordinates: [inc.lon, inc.lat] },
          properties: { id: inc.id, g, sev: inc.severity, icon: `i-${inc.category}-${g}`, overdue: inc.overdue === true } });
        if (inc.area) areas.push({ type: "Feature", geometry: inc.area, properties: { id: inc.id, colour: SEVERITY_COLOURS[inc.severity] ?? SEVERITY_COLOURS[0] } });
      }
      map.getSource("incidents")?.setData({ type: "FeatureCollection", features: points });
      map.getSource("areas")?.setData({ type: "FeatureCollection", features: areas });
      drawMagnitudes(map, list, quakes);
    }
    drawRings(shown);
  };
}

// Cluster sizes as HTML markers, for the same reason as the district names (no glyphs).
function showClusterSizes(map) {
  const markers = new Map();
  const update = () => {
    if (!map.getSource("incidents")) return;
    const seen = new Set();
    for (const f of map.querySourceFeatures("incidents", { filter: ["has", "point_count"] })) {
      const id = f.properties.cluster_id;
      if (seen.has(id)) continue;
      seen.add(id);
      let m = markers.get(id);
      if (!m) {
        const el = document.createElement("div");
        el.className = "cluster-count";
        m = new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map);
        markers.set(id, m);
      }
      m.setLngLat(f.geometry.coordinates);
      m.getElement().textContent = f.properties.point_count_abbreviated;
    }
    for (const [id, m] of markers) if (!seen.has(id)) { m.remove(); markers.delete(id); }
  };
  // Not on "idle" alone: while an alert pulses the map is never idle.
  let timer = null;
  const queue = () => { if (!timer) timer = setTimeout(() => { timer = null; update(); }, 300); };
  map.on("idle", update);
  map.on("moveend", queue);
  map.on("sourcedata", (e) => { if (e.sourceId === "incidents" && e.isSourceLoaded) queue(); });
}

// An earthquake's magnitude as an HTML label at its epicentre (the incident's point; its felt
// circle is the area), for the same reason as the cluster sizes.
function drawMagnitudes(map, list, markers) {
  const seen = new Set();
  for (const inc of list) {
    const m = magnitudeOf(inc);
    if (m === null) continue;
    seen.add(inc.id);
    let marker = markers.get(inc.id);
    if (!marker) {
      const el = document.createElement("div");
      el.className = "quake-magnitude";
      el.dataset.id = inc.id;
      marker = new maplibregl.Marker({ element: el, anchor: "bottom", offset: [0, -14] }).setLngLat([inc.lon, inc.lat]).addTo(map);
      markers.set(inc.id, marker);
    }
    marker.setLngLat([inc.lon, inc.lat]);
    marker.getElement().textContent = `M ${m.toFixed(1)}`;
  }
  for (const [id, marker] of markers) if (!seen.has(id)) { marker.remove(); markers.delete(id); }
}

// A click on an alert area: its headline (or type), severity, sender and the time it has left.
function showAreaPopups(map, store) {
  let popup = null;
  map.on("click", "areas-fill", (e) => {
    // An incident symbol on top of the area opens the details instead.
    if (map.queryRenderedFeatures(e.point, { layers: ["incidents", "clusters"] }).length) return;
    const inc = store.incidents.get(Number(e.features[0].properties.id));
    if (!inc) return;
    popup?.remove();
    popup = new maplibregl.Popup({ closeButton: true, maxWidth: "320px" }).setLngLat(e.lngLat).setHTML(
      `<div class="area-popup" data-testid="area-popup" data-id="${inc.id}"><b>${magnitudeHtml(inc)}${esc(inc.headline || inc.title || typeName(inc.type))}</b>` +
      `<div><span class="sev-swatch" style="background:${SEVERITY_COLOURS[inc.severity] ?? SEVERITY_COLOURS[0]}"></span>${esc(typeName(inc.type))} · ${esc(t("sev_" + inc.severity))}</div>` +
      `${alertLine(inc, store.timeAt(Date.now()))}</div>`).addTo(map);
  });
}
