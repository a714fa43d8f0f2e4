// The optional local PMTiles basemap in real Chromium against the real `pantau serve --basemap`:
// archives are made at test time (pmtiles_fixture.mjs), the wall must draw them under the
// districts from byte-range requests to the server and ask no other host; without --basemap it
// must not ask for a basemap at all. Exit code 77 (ctest: skipped) only when chromium is missing.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer, freshDataDir, chromiumPath, chromiumArgs, analyseFrame, useTestBundle } from "./server.mjs";
import { rasterArchive, vectorArchive } from "./pmtiles_fixture.mjs";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const screenshots = process.env.PANTAU_SCREENSHOTS;
const MAGENTA = [255, 0, 255];   // the raster tiles' colour: nothing else on the wall is magenta

const dirs = [];
let browser;
after(async () => {
  await browser?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// A server (with `archive` as its basemap when given) and a page on it that records every request,
// the basemap's responses, and requests to any other host.
async function openWall(archive, query = "", viewport = { width: 1600, height: 900 }) {
  const dataDir = freshDataDir();
  dirs.push(dataDir);
  let extra = [];
  if (archive) {
    const file = join(dataDir, "city.pmtiles");
    writeFileSync(file, archive);
    extra = ["--basemap", file];
  }
  const server = await startServer({ dataDir, extra });
  const origin = server.url.replace(/\/$/, "");
  browser ??= await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await useTestBundle(context);
  const page = await context.newPage();
  const seen = { paths: [], foreign: [], basemap: [] };
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (u.protocol === "data:" || u.protocol === "blob:") return;
    if (u.host !== new URL(origin).host) seen.foreign.push(req.url());
    else seen.paths.push(u.pathname);
  });
  page.on("response", async (res) => {
    if (new URL(res.url()).pathname !== "/basemap.pmtiles") return;
    seen.basemap.push({ status: res.status(), range: res.request().headers().range, contentRange: res.headers()["content-range"] });
  });
  page.on("websocket", (ws) => { if (new URL(ws.url()).host !== new URL(origin).host) seen.foreign.push(ws.url()); });
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(`${origin}/${query}`);
  await page.waitForFunction(() => window.__pantau?.ready === true && "basemap" in window.__pantau, null, { timeout: 30000 });
  // Every tile of the view is in and drawn.
  await page.waitForFunction(() => window.__pantau.map.areTilesLoaded(), null, { timeout: 30000 });
  await page.evaluate(() => new Promise((r) => { const m = window.__pantau.map; if (m.loaded()) r(); else m.once("idle", r); }));
  return {
    page, seen,
    async close() { await context.close(); await server.stop(); },
  };
}

// The canvas colour on a grid of points, split by whether a district fill is drawn there.
async function samples(page) {
  return analyseFrame(page, (map, d, width) => {
    const fills = map.getStyle().layers.filter((l) => l.id.startsWith("fill-")).map((l) => l.id);
    const src = map.getCanvas();
    const ratio = width / src.clientWidth;
    const inside = [], outside = [];
    for (let y = 12; y < src.clientHeight - 4; y += 24) for (let x = 12; x < src.clientWidth - 4; x += 24) {
      const i = (Math.round(y * ratio) * width + Math.round(x * ratio)) * 4;
      const hit = map.queryRenderedFeatures([x, y], { layers: fills }).length > 0;
      (hit ? inside : outside).push([d[i], d[i + 1], d[i + 2]]);
    }
    return { inside, outside };
  });
}

const share = (px, pred) => px.filter(pred).length / Math.max(1, px.length);
// The raster tiles after the wall dims them (raster-brightness-max, -saturation): still a purple
// with red and blue well above green.
const magentaish = ([r, g, b]) => r - g > 40 && b - g > 40 && Math.abs(r - b) < 30;
const near = (hex) => { const n = parseInt(hex.slice(1), 16), rgb = [n >> 16, (n >> 8) & 255, n & 255];
  return (px) => px.every((v, k) => Math.abs(v - rgb[k]) <= 8); };

function assertRangeRequestsOnly(seen) {
  assert.ok(seen.basemap.length >= 2, `the archive was read in ${seen.basemap.length} request(s): header, then tiles`);
  for (const r of seen.basemap) {
    assert.equal(r.status, 206, `a basemap request got ${r.status}: ${JSON.stringify(r)}`);
    assert.match(r.range ?? "", /^bytes=\d+-\d+$/);
    assert.match(r.contentRange ?? "", /^bytes \d+-\d+\/\d+$/);
  }
  assert.deepEqual(seen.foreign, [], `requests to other hosts: ${seen.foreign.join(", ")}`);
}

test("a raster PMTiles basemap shows outside the districts, read in byte ranges from the server only", async () => {
  const wall = await openWall(rasterArchive(MAGENTA));
  const { page, seen } = wall;
  assert.equal(await page.evaluate(() => window.__pantau.basemap), "raster");
  const { inside, outside } = await samples(page);
  assert.ok(outside.length > 50 && inside.length > 50, `${outside.length} points outside, ${inside.length} inside the districts`);
  const out = share(outside, magentaish), inn = share(inside, magentaish);
  assert.ok(out > 0.8, `only ${(out * 100).toFixed(0)} % of the canvas outside the districts shows the basemap; e.g. ${JSON.stringify(outside.slice(0, 5))}`);
  // The districts stay the primary layer: their fills cover the basemap.
  assert.ok(inn < 0.1, `${(inn * 100).toFixed(0)} % of the district area shows the bare basemap`);
  // The basemap lies under every district layer.
  const order = await page.evaluate(() => window.__pantau.map.getStyle().layers.map((l) => l.id));
  assert.ok(order.indexOf("basemap-raster") < order.findIndex((id) => id.startsWith("fill-")), order.join(", "));
  assertRangeRequestsOnly(seen);
  if (screenshots) { mkdirSync(screenshots, { recursive: true }); await page.screenshot({ path: `${screenshots}/basemap_raster.png` }); }
  await wall.close();
});

test("a vector PMTiles basemap in the Protomaps schema gets the muted style without labels", async () => {
  const wall = await openWall(vectorArchive(), "?kiosk=1&tour_s=600", { width: 1920, height: 1080 });
  const { page, seen } = wall;
  assert.ok(await page.evaluate(() => document.body.classList.contains("kiosk")), "kiosk mode");
  assert.equal(await page.evaluate(() => window.__pantau.basemap), "vector");
  const style = await page.evaluate(() => {
    const map = window.__pantau.map, s = map.getStyle();
    return { glyphs: s.glyphs ?? null, sprite: s.sprite ?? null,
      layers: s.layers.filter((l) => l.id.startsWith("basemap-")).map((l) => ({ id: l.id, type: l.type })),
      earth: map.getPaintProperty("basemap-earth", "fill-color"), water: map.getPaintProperty("basemap-water", "fill-color") };
  });
  // Labels would need glyphs from somewhere: the style has none, and no symbol layers.
  assert.equal(style.glyphs, null);
  assert.equal(style.sprite, null);
  assert.ok(style.layers.length > 10, `${style.layers.length} basemap layers`);
  assert.deepEqual(style.layers.filter((l) => l.type === "symbol"), []);
  const { outside } = await samples(page);
  const earth = share(outside, near(style.earth)), water = share(outside, near(style.water));
  // Each tile is earth with water over its north-west quarter.
  assert.ok(earth + water > 0.8, `earth ${style.earth} ${(earth * 100).toFixed(0)} %, water ${style.water} ${(water * 100).toFixed(0)} % outside the districts; e.g. ${JSON.stringify(outside.slice(0, 5))}`);
  assert.ok(earth > 0.3 && water > 0.1, `earth ${(earth * 100).toFixed(0)} %, water ${(water * 100).toFixed(0)} %`);
  assertRangeRequestsOnly(seen);
  if (screenshots) { mkdirSync(screenshots, { recursive: true }); await page.screenshot({ path: `${screenshots}/basemap_vector.png` }); }
  await wall.close();
});

test("without --basemap the page asks for no basemap and draws none", async () => {
  const wall = await openWall(null);
  const { page, seen } = wall;
  assert.equal(await page.evaluate(() => window.__pantau.basemap), null);
  assert.ok(seen.paths.includes("/api/v1/config"), "the page asked the server whether a basemap is configured");
  assert.deepEqual(seen.paths.filter((p) => p.includes("basemap") || p.endsWith(".pmtiles")), []);
  assert.deepEqual(seen.basemap, []);
  const layers = await page.evaluate(() => window.__pantau.map.getStyle().layers.map((l) => l.id));
  assert.deepEqual(layers.filter((id) => id.startsWith("basemap")), []);
  // The district fills keep their full opacity.
  assert.equal(await page.evaluate(() => window.__pantau.map.getPaintProperty("fill-kecamatan", "fill-opacity")), 0.9);
  assert.deepEqual(seen.foreign, [], `requests to other hosts: ${seen.foreign.join(", ")}`);
  await wall.close();
});
