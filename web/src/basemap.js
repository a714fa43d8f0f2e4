// The optional local basemap (docs/web.md): a PMTiles archive that `pantau serve --basemap FILE`
// serves at the URL GET /api/v1/config names, read in byte ranges from this server only. Raster
// tiles become one dimmed raster layer; vector tiles (the Protomaps basemap schema) a muted dark
// style without labels, since labels would need glyph PBFs. It sits under the district layers,
// which stay the primary layer. A missing or broken basemap never keeps the wall from working.
import * as maplibregl from "maplibre-gl";
import { PMTiles, Protocol, TileType } from "pmtiles";
import { layers as protomapsLayers, namedFlavor } from "@protomaps/basemaps";
import { serverConfig } from "./server_config.js";

// The dark flavour, pulled towards the wall's background (#0b1016) so streets and water read as
// context and the district colours stay in front.
const FLAVOUR = {
  ...namedFlavor("dark"),
  background: "#0b1016", earth: "#121a23", water: "#0d2436", buildings: "#0e151d",
  park_a: "#122119", park_b: "#13261c", wood_a: "#122119", wood_b: "#13261c", scrub_a: "#141e1a", scrub_b: "#141e1a",
  boundaries: "#46536a",
};
// Under the fills the basemap shows through at this opacity (0.9 without a basemap).
export const FILL_OPACITY_OVER_BASEMAP = 0.72;
const SOURCE = "basemap";

// Whether a basemap is configured: one small JSON request, never a probe that fails.
async function basemapUrl() {
  const config = await serverConfig(); // {} from an older server without /api/v1/config: no basemap
  return config.basemap?.url ?? null;
}

// Adds the basemap under the lowest layer above the background. Resolves to "raster", "vector"
// or null (none configured, or it could not be read: the wall goes on without it).
export async function addBasemap(map) {
  try {
    const url = await basemapUrl();
    if (!url) return null;
    const absolute = new URL(url, location.href).href;
    const archive = new PMTiles(absolute);
    const protocol = new Protocol();
    protocol.add(archive);
    maplibregl.addProtocol("pmtiles", protocol.tile);
    const header = await archive.getHeader();
    const raster = [TileType.Png, TileType.Jpeg, TileType.Webp, TileType.Avif].includes(header.tileType);
    if (!raster && header.tileType !== TileType.Mvt) throw new Error(`unsupported tile type ${header.tileType}`);
    map.addSource(SOURCE, { type: raster ? "raster" : "vector", url: `pmtiles://${absolute}`, ...(raster ? { tileSize: 256 } : {}) });
    const below = map.getStyle().layers.find((l) => l.type !== "background")?.id;
    const styleLayers = raster
      ? [{ id: "basemap-raster", type: "raster", source: SOURCE,
           // A bright street map would outshine the districts: dim and desaturate it.
           paint: { "raster-brightness-max": 0.55, "raster-saturation": -0.5, "raster-fade-duration": 0 } }]
      : protomapsLayers(SOURCE, FLAVOUR).filter((l) => l.type !== "symbol" && l.type !== "background")
          .map((l) => ({ ...l, id: `basemap-${l.id}` }));
    for (const l of styleLayers) map.addLayer(l, below);
    return raster ? "raster" : "vector";
  } catch (e) {
    console.warn("pantau: no basemap", e);
    return null;
  }
}
