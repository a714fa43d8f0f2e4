// Readable from across the room, in real Chromium against the real `pantau serve --simulate`: the
// district names never overlap, every type, category, severity and window is in the wall's
// language, and alert areas show their CAP severity colour, headline, sender and time left.
// Exit code 77 (ctest: skipped) only when no chromium is installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { create, toBinary } from "@bufbuild/protobuf";
import { startServer, freshDataDir, chromiumPath, chromiumArgs, useTestBundle } from "./server.mjs";
import { DeltaSchema } from "../src/gen/pantau_pb.js";
import { SEVERITY_COLOURS } from "../src/model.js";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const WAIT = 30000;
let server, browser, dataDir, origin;

async function openWall(query = "", viewport = { width: 1600, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await useTestBundle(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(`${origin}/${query}`);
  await page.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 3 * WAIT });  // a loaded CI machine
  return page;
}

before(async () => {
  dataDir = freshDataDir();
  // Thresholds low enough that the simulator raises alerts within seconds, on a type, a
  // category and every window.
  const config = join(dataDir, "pantau.ini");
  writeFileSync(config, "[thresholds]\nrule = garbage kecamatan 24h raise 2 clear 1\nrule = complaint kecamatan 1h raise 3 clear 1\n" +
    "rule = traffic_jam kecamatan 15m raise 2 clear 1\nrule = flood kecamatan 1h raise 2 clear 1\n");
  server = await startServer({ dataDir, extra: ["--config", config, "--simulate", "20"] });
  origin = server.url.replace(/\/$/, "");
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The boxes of the district names on screen, and the pairs of them that intersect; `inner`: how
// many names have their centre in the middle of the map (a quarter of its area, the part that
// fills the map one zoom level closer).
async function labelBoxes(page) {
  return page.evaluate(() => {
    const m = document.getElementById("map").getBoundingClientRect();
    const boxes = [...document.querySelectorAll(".district-label")].filter((el) => el.style.display !== "none")
      .map((el) => { const r = el.getBoundingClientRect(); return { name: el.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom }; })
      .filter((b) => b.r > m.left && b.b > m.top && b.l < m.right && b.t < m.bottom);
    const inner = boxes.filter((b) => {
      const x = (b.l + b.r) / 2 - m.left, y = (b.t + b.b) / 2 - m.top;
      return x > m.width / 4 && x < m.width * 3 / 4 && y > m.height / 4 && y < m.height * 3 / 4;
    }).length;
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], c = boxes[j];
      if (a.l < c.r && c.l < a.r && a.t < c.b && c.t < a.b) overlaps.push(`${a.name} / ${c.name}`);
    }
    return { shown: boxes.length, inner, overlaps };
  });
}

async function zoomTo(page, zoom) {
  await page.evaluate((zoom) => new Promise((resolve) => {
    const map = window.__pantau.map;
    map.once("moveend", () => setTimeout(resolve, 50));
    map.jumpTo({ zoom });
  }), zoom);
}

test("district names never overlap, and zooming in shows more of them", async () => {
  for (const viewport of [{ width: 1600, height: 900 }, { width: 1920, height: 1080 }]) {
    const page = await openWall("", viewport);
    const city = await labelBoxes(page);
    assert.ok(city.shown >= 5, `${city.shown} names at city zoom`);
    assert.deepEqual(city.overlaps, [], "overlapping names at city zoom");
    // Where the kelurahan names take over (FINE_ZOOM 12.2 + 0.3), and one step closer.
    await zoomTo(page, 12.6);
    const kel = await labelBoxes(page);
    assert.deepEqual(kel.overlaps, [], "overlapping kelurahan names");
    await zoomTo(page, 13.6);
    const closer = await labelBoxes(page);
    assert.deepEqual(closer.overlaps, [], "overlapping names closer in");
    // One level closer the middle quarter fills the map: it shows more of its names.
    assert.ok(closer.shown > kel.inner, `${kel.inner} names in the middle at 12.6, ${closer.shown} at 13.6`);
    const total = await page.evaluate(() => document.querySelectorAll(".district-label").length);
    assert.ok(kel.shown < total, "some names are hidden where they have no room");
    await page.context().close();
  }
});

// Type codes and English words that must not reach an Indonesian wall's banner or incident list.
const ENGLISH = /\b(complaint|transport|disaster|garbage|flood|traffic|accident|road|streetlight|street light|fallen|tree|burning|fire|snake|wasp|person|closure|minor|moderate|severe|extreme|unknown|\d+[hm])\b/i;

test("in Indonesian no English type, category, severity or window reaches the alert banner and the incident list", async () => {
  const page = await openWall();
  await page.waitForFunction(() => document.querySelectorAll("#feed li").length >= 40, null, { timeout: WAIT });
  await page.waitForFunction(() => window.__pantau.state.alerts.size >= 2 && !document.getElementById("alert-banner").hidden, null, { timeout: WAIT });
  await page.waitForTimeout(500);
  const banner = await page.textContent("#alert-banner");
  assert.doesNotMatch(banner, ENGLISH, `banner: ${banner}`);
  assert.match(banner, /dalam \d+ (jam|menit)/, `banner: ${banner}`);
  for (const sel of ["#alerts", "#feed", "#counters"]) {
    const text = await page.textContent(sel);
    const hit = ENGLISH.exec(text);
    assert.equal(hit, null, `${sel}: "${hit?.[0]}" in ${text.slice(Math.max(0, (hit?.index ?? 0) - 60), (hit?.index ?? 0) + 60)}`);
  }
  // The simulator's types, named: the feed names each row's type in Indonesian.
  const where = await page.$$eval("#feed .where span:first-child", (els) => els.map((e) => e.textContent));
  assert.ok(where.some((w) => /Sampah menumpuk|Lampu PJU padam|Jalan berlubang|Kemacetan|Banjir/.test(w)), where.join(" | "));
  await page.context().close();
  // And in English: no Indonesian type names, readable English ones.
  const en = await openWall("?lang=en");
  await en.waitForFunction(() => document.querySelectorAll("#feed li").length >= 40, null, { timeout: WAIT });
  const enWhere = await en.$$eval("#feed .where span:first-child", (els) => els.map((e) => e.textContent).join(" | "));
  assert.doesNotMatch(enWhere, /_|Sampah|Lampu|Kemacetan|Banjir/, enWhere);
  await en.context().close();
});

// A BMKG-style earthquake with its felt circle and a CAP flood warning over a polygon, as the
// stream will carry them (fields 18 and 20 of Incident), applied as an encoded Delta. Their last
// report is now, so that they are among the feed's newest rows however busy the simulator is.
function alertDelta(now) {
  const circle = (lon, lat, km) => ({ type: "Polygon", coordinates: [Array.from({ length: 65 }, (_, i) => {
    const a = (i % 64) / 64 * 2 * Math.PI;
    return [lon + km / 110.6 * Math.cos(a) / Math.cos(lat * Math.PI / 180), lat + km / 110.6 * Math.sin(a)];
  })] });
  const quake = { id: 9000001n, category: 3, type: "earthquake", severity: 3, status: 1, lon: 106.63, lat: -6.19,
    areaGeojson: JSON.stringify(circle(106.63, -6.19, 6)), firstReportMs: BigInt(now - 60000), lastReportMs: BigInt(now),
    reportCount: 1, sources: ["bmkg"], title: "Gempa bumi", headline: "Gempa Mag:5.2 SR, 12 km BaratDaya KOTA-TANGERANG",
    expiresAtMs: BigInt(now + 2 * 3600000), alertKey: "bmkg-20261205" };
  const flood = { id: 9000002n, category: 3, type: "flood", severity: 4, status: 1, lon: 106.66, lat: -6.21,
    areaGeojson: JSON.stringify({ type: "Polygon", coordinates: [[[106.65, -6.20], [106.68, -6.20], [106.68, -6.225], [106.65, -6.225], [106.65, -6.20]]] }),
    firstReportMs: BigInt(now - 30000), lastReportMs: BigInt(now), reportCount: 1, sources: ["bpbd", "bmkg"],
    title: "", headline: "Peringatan dini banjir Sungai Cisadane", expiresAtMs: BigInt(now + 90000), alertKey: "cap-1" };
  const gone = { ...flood, id: 9000003n, severity: 1, headline: "Peringatan cuaca berakhir", expiresAtMs: BigInt(now - 1000), type: "weather_warning",
    areaGeojson: JSON.stringify({ type: "Polygon", coordinates: [[[106.60, -6.15], [106.62, -6.15], [106.62, -6.16], [106.60, -6.16], [106.60, -6.15]]] }) };
  return [...toBinary(DeltaSchema, create(DeltaSchema, { upserts: [quake, flood, gone] }))];
}

test("alert areas: CAP severity colours, headline, sender, a time left that counts down, and a quake's magnitude", async () => {
  const page = await openWall("?cat=disaster");
  const now = await page.evaluate(() => Date.now());
  await page.evaluate((bytes) => window.__pantau.applyDelta(bytes), alertDelta(now));
  await page.waitForSelector('#feed li[data-id="9000002"] .left', { timeout: WAIT });
  // The areas are drawn in the colour of their severity.
  const areaColours = () => Object.fromEntries(window.__pantau.map.querySourceFeatures("areas").map((f) => [f.properties.id, f.properties.colour]));
  await page.waitForFunction((f) => Object.keys((0, eval)(f)()).length >= 3, `(${areaColours})`, { timeout: WAIT });
  const colours = await page.evaluate((f) => (0, eval)(f)(), `(${areaColours})`);
  assert.equal(colours[9000001], SEVERITY_COLOURS[3]);
  assert.equal(colours[9000002], SEVERITY_COLOURS[4]);
  assert.equal(colours[9000003], SEVERITY_COLOURS[1]);
  // The list: headline, sender (the first source), time left; the expired one says so.
  const row = await page.textContent('#feed li[data-id="9000002"]');
  assert.match(row, /Peringatan dini banjir Sungai Cisadane/);
  assert.match(row, /Pengirim: BPBD/);
  const left = () => page.textContent('#feed li[data-id="9000002"] .left');
  const first = await left();
  assert.match(first, /^sisa 1 mnt \d+ dtk$/);
  await page.waitForFunction((first) => document.querySelector('#feed li[data-id="9000002"] .left').textContent !== first, first, { timeout: 5000 });
  assert.equal(await page.textContent('#feed li[data-id="9000003"] .left'), "kedaluwarsa");
  // The quake: magnitude from its headline, in the list and at the epicentre.
  assert.match(await page.textContent('#feed li[data-id="9000001"]'), /M 5\.2.*Gempa Mag:5\.2 SR/);
  assert.equal(await page.textContent('.quake-magnitude[data-id="9000001"]'), "M 5.2");
  // A click on the flood area (away from its symbol) opens its popup with the same lines.
  await page.evaluate(() => new Promise((resolve) => { const map = window.__pantau.map; map.once("moveend", () => setTimeout(resolve, 500)); map.jumpTo({ center: [106.665, -6.2125], zoom: 14 }); }));
  const at = await page.evaluate(() => { const p = window.__pantau.map.project([106.675, -6.222]); return { x: p.x, y: p.y }; });
  const box = await page.locator("#map canvas").boundingBox();
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.waitForSelector("[data-testid=area-popup]", { timeout: WAIT });
  const popup = await page.textContent("[data-testid=area-popup]");
  assert.match(popup, /Peringatan dini banjir Sungai Cisadane/);
  assert.match(popup, /Banjir · Ekstrem/);
  assert.match(popup, /Pengirim: BPBD.*sisa/);
  await page.context().close();
});
