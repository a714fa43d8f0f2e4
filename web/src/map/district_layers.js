// The districts as the map's primary layer: fills coloured by the chosen metric (the colours are
// set per feature by district_colours.js), outlines per level, alert outlines that pulse, and the
// district names.
import * as maplibregl from "maplibre-gl";
import { FINE_ZOOM } from "./wall_map.js";
import { FILL_OPACITY_OVER_BASEMAP } from "../basemap.js";

export const RAMP = ["#16202c", "#173a5c", "#1d5685", "#2574ad", "#3496d0", "#79c3ef"];  // 0, then 5 steps
export const ALERT_COLOUR = "#ff3b30";

export function addDistrictLayers(map, districts, collections) {
  for (const [i, level] of districts.levels.entries())
    map.addSource(`d-${level}`, { type: "geojson", data: collections[i], promoteId: "code" });
  const drawOrder = [...districts.levels].reverse();  // coarsest first, finest on top
  for (const level of drawOrder) {
    const role = districts.role(level);
    if (role === "top") continue;
    const zoom = role === "fine" && districts.levels.length > 1 ? { minzoom: FINE_ZOOM } : role === "mid" ? { maxzoom: FINE_ZOOM } : {};
    map.addLayer({ id: `fill-${level}`, type: "fill", source: `d-${level}`, ...zoom, paint: {
      "fill-color": ["match", ["coalesce", ["feature-state", "b"], 0], ...RAMP.flatMap((c, k) => (k ? [k, c] : [])), RAMP[0]],
      "fill-opacity": 0.9 } });
  }
  for (const level of drawOrder) {
    const role = districts.role(level);
    map.addLayer({ id: `line-${level}`, type: "line", source: `d-${level}`, ...(role === "fine" ? { minzoom: 10.5 } : {}), paint: {
      "line-color": role === "top" ? "#c9d6e8" : role === "mid" ? "#8da2bd" : "#4b5d75",
      "line-width": role === "top" ? 2.5 : role === "mid" ? 1.4 : 0.6 } });
  }
  for (const level of districts.levels) {
    // A city-wide alert outlines the city; a red fill over everything would hide the map.
    if (districts.role(level) !== "top") map.addLayer({ id: `alert-fill-${level}`, type: "fill", source: `d-${level}`, paint: {
      "fill-color": ALERT_COLOUR, "fill-opacity": ["case", ["boolean", ["feature-state", "alert"], false], 0.25, 0] } });
    map.addLayer({ id: `alert-line-${level}`, type: "line", source: `d-${level}`, paint: {
      "line-color": ALERT_COLOUR, "line-width": 3, "line-opacity": ["case", ["boolean", ["feature-state", "alert"], false], 1, 0] } });
  }
}

// Over a basemap the fills let it show through a little.
export function letBasemapThrough(map, districts) {
  for (const level of districts.levels)
    if (map.getLayer(`fill-${level}`)) map.setPaintProperty(`fill-${level}`, "fill-opacity", FILL_OPACITY_OVER_BASEMAP);
}

// District names as HTML markers: MapLibre text would need glyph PBFs from somewhere. A collision
// pass keeps them readable: of the names the zoom asks for, the coarser level and then the larger
// district wins, and a name whose box would touch one already placed is hidden; it runs again
// after every move, zoom and resize, so zooming in shows the names that had no room.
// (MapLibre's own collision needs symbol layers, i.e. glyphs: SDF PBFs made at build time from a
// Debian font would add a generator to the build and a font to the web root, and still miss
// scripts the font lacks; the browser's text rendering has every system font.)
const LABEL_GAP_PX = 3;   // the least room between two names

export function addDistrictLabels(map, districts) {
  const labels = [];
  for (const level of districts.levels) {
    const role = districts.role(level);
    if (role === "top") continue;
    for (const d of districts.byLevel.get(level).values()) {
      const el = document.createElement("div");
      el.className = "district-label" + (role === "mid" ? " kec" : "");
      el.textContent = d.name;
      el.dataset.code = d.code;
      new maplibregl.Marker({ element: el }).setLngLat(d.centre).addTo(map);
      labels.push({ el, role, centre: d.centre, priority: (role === "mid" ? 1e9 : 0) + d.area });
    }
  }
  labels.sort((a, b) => b.priority - a.priority);
  const wanted = (role, z, multi) => (role === "mid" ? (!multi || z < FINE_ZOOM + 0.8) : (!multi || z >= FINE_ZOOM + 0.3));
  const update = () => {
    const z = map.getZoom(), multi = districts.levels.length > 1;
    const { clientWidth: w, clientHeight: h } = map.getContainer();
    const candidates = labels.filter((l) => wanted(l.role, z, multi));
    for (const l of labels) l.el.style.display = "none";
    for (const l of candidates) l.el.style.display = "";
    // Measure all first, then hide: one layout instead of one per name.
    const boxes = candidates.map((l) => {
      const p = map.project(l.centre), bw = l.el.offsetWidth / 2 + LABEL_GAP_PX, bh = l.el.offsetHeight / 2 + LABEL_GAP_PX;
      return [p.x - bw, p.y - bh, p.x + bw, p.y + bh];
    });
    const placed = [];
    candidates.forEach((l, i) => {
      const b = boxes[i];
      const onScreen = b[2] > 0 && b[0] < w && b[3] > 0 && b[1] < h;
      const free = onScreen && !placed.some((o) => b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]);
      if (free) placed.push(b);
      else l.el.style.display = "none";
    });
  };
  map.on("moveend", update);
  map.on("resize", update);
  document.fonts?.ready.then(update);
  update();
}

// The alert pulse: a paint change four times a second, and only while an alert is active, since
// every paint change is a repaint of the whole map.
export function pulseAlerts(map, districts, store) {
  let pulsing = false;
  setInterval(() => {
    if (!map.isStyleLoaded() || !districts.levels.length) return;
    const alerts = store.alerts.size > 0;
    if (!alerts && !pulsing) return;
    pulsing = alerts;
    const phase = pulsing ? (Math.sin(Date.now() / 300) + 1) / 2 : 0;
    for (const level of districts.levels) {
      if (!map.getLayer(`alert-line-${level}`)) continue;
      if (map.getLayer(`alert-fill-${level}`))
        map.setPaintProperty(`alert-fill-${level}`, "fill-opacity", ["case", ["boolean", ["feature-state", "alert"], false], 0.12 + 0.3 * phase, 0]);
      map.setPaintProperty(`alert-line-${level}`, "line-width", 2 + 3 * phase);
    }
  }, 250);
}
