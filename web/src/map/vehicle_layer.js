// Live vehicles (GTFS-Realtime feeds, docs/feeds.md): a symbol per vehicle turned to its bearing,
// under the incidents (which matter more), faded when its position is old, with a popup on click
// and their count under the counters.
import * as maplibregl from "maplibre-gl";
import { t, ago, sourceName } from "../i18n.js";
import { $, setHTML, esc } from "../dom.js";
import { BACKGROUND, pointerOver } from "./wall_map.js";

// A colour no incident status uses, so red/yellow/green keep their meaning.
const VEHICLE_COLOUR = "#e6edf5";
const OLD_MS = 120000;           // a position older than this (by the feed's clock) is drawn faded

// A light disc with a pointer towards its bearing (the layer rotates it), or without one when
// the feed gives no bearing.
function vehicleImage(pointer) {
  const s = 60, c = document.createElement("canvas");
  c.width = c.height = s;
  const g = c.getContext("2d");
  g.fillStyle = VEHICLE_COLOUR;
  g.strokeStyle = BACKGROUND;
  g.lineWidth = 4;
  if (pointer) {
    g.beginPath(); g.moveTo(s / 2, 2); g.lineTo(s / 2 + 11, 17); g.lineTo(s / 2 - 11, 17); g.closePath();
    g.stroke(); g.fill();
  }
  g.beginPath(); g.arc(s / 2, s / 2 + 2, 17, 0, Math.PI * 2); g.stroke(); g.fill();
  g.fillStyle = BACKGROUND;          // a bus's windscreen, so it never reads as an incident
  g.fillRect(s / 2 - 9, s / 2 - 4, 18, 7);
  return g.getImageData(0, 0, s, s);
}

// Must come after the incident layers: it goes under their clusters.
export function addVehicleLayer(map, store) {
  map.addImage("veh", vehicleImage(true), { pixelRatio: 2 });
  map.addImage("veh-n", vehicleImage(false), { pixelRatio: 2 });
  map.addSource("vehicles", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "vehicles", type: "symbol", source: "vehicles", layout: {
    "icon-image": ["case", ["has", "bearing"], "veh", "veh-n"], "icon-rotate": ["coalesce", ["get", "bearing"], 0],
    "icon-rotation-alignment": "map", "icon-allow-overlap": true, "icon-ignore-placement": true,
    "icon-size": ["interpolate", ["linear"], ["zoom"], 10, 0.55, 15, 1.0] },
    paint: { "icon-opacity": ["case", ["get", "old"], 0.4, 1] } }, "clusters");
  let popup = null;
  map.on("click", "vehicles", (e) => {
    const v = store.vehicles.get(e.features[0].properties.id);
    if (!v) return;
    popup?.remove();
    popup = new maplibregl.Popup({ closeButton: true, maxWidth: "260px" }).setLngLat(e.lngLat ?? [v.lon, v.lat]).setHTML(popupHtml(v)).addTo(map);
  });
  pointerOver(map, "vehicles");
}

function popupHtml(v) {
  const rows = [
    [t("route"), v.route || "–"],
    [t("source"), sourceName(v.source)],
    [t("position_age"), `${ago(Date.now() - v.observed)}`],
  ];
  if (v.speed !== undefined) rows.push([t("speed"), `${Math.round(v.speed * 3.6)} ${t("km_h")}`]);
  return `<div class="vehicle-popup" data-testid="vehicle-popup"><b>${esc(t("vehicle"))} ${esc(v.label || v.id)}</b>` +
    `<dl>${rows.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join("")}</dl></div>`;
}

// Returns drawVehicles(now): redraws when a vehicle changed, and every 10 s for the fading.
export function createVehicleDrawing(map, store) {
  let drawn = "";
  return function drawVehicles(now) {
    const key = `${store.vehicleVersion}|${Math.floor(now / 10000)}`;
    if (key === drawn) return;
    drawn = key;
    const features = [];
    for (const v of store.vehicles.values()) {
      const properties = { id: v.id, old: now - v.observed > OLD_MS };
      if (v.bearing !== undefined) properties.bearing = v.bearing;
      features.push({ type: "Feature", geometry: { type: "Point", coordinates: [v.lon, v.lat] }, properties });
    }
    map.getSource("vehicles")?.setData({ type: "FeatureCollection", features });
    const el = $("vehicles-line");
    el.hidden = store.vehicles.size === 0;
    setHTML(el, `<span class="veh-sw"></span> ${esc(t("vehicles"))}: <b data-testid="vehicle-count">${store.vehicles.size}</b>`);
  };
}
