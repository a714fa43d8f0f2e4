// The MapLibre map the layers are drawn on.
import * as maplibregl from "maplibre-gl";

export const BACKGROUND = "#0b1016";
export const FINE_ZOOM = 12.2;   // kelurahan are coloured from this zoom on, kecamatan below it

export function createWallMap({ kiosk }) {
  maplibregl.setWorkerUrl(new URL("maplibre-gl-worker.mjs", location.href.replace(/[?#].*$/, "")).href);
  const map = new maplibregl.Map({
    container: "map",
    // No glyphs and no sprite: labels are HTML, icons come from map.addImage, so nothing is fetched.
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": BACKGROUND } }] },
    center: [106.64, -6.19], zoom: 11, attributionControl: false,
    fadeDuration: 0, maxZoom: 18, minZoom: 8,
  });
  if (!kiosk) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  const loaded = new Promise((resolve) => map.on("load", resolve));
  return { map, loaded };
}

export function pointerOver(map, layer) {
  map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
}
