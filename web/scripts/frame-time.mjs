// Measures the wall's map frame time with N incidents (default 10,000): starts the real server,
// opens the page (the test bundle, app.test.js) in headless Chromium, puts N synthetic incidents
// through the same state and render path as a stream Delta (window.__pantau.inject), then forces
// repaints while panning and zooming for 10 s and prints the frame-time distribution. Not a test:
// the figure goes into docs/web.md. Usage: node scripts/frame-time.mjs [N] [WIDTHxHEIGHT]
import { chromium } from "playwright-core";
import { rmSync } from "node:fs";
import { startServer, freshDataDir, useTestBundle } from "../test/server.mjs";

const n = Number(process.argv[2] ?? 10000);
const [w, h] = (process.argv[3] ?? "1920x1080").split("x").map(Number);
const dataDir = freshDataDir();
const server = await startServer({ dataDir });
const browser = await chromium.launch({ executablePath: process.env.PANTAU_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] });
try {
  const context = await browser.newContext({ viewport: { width: w, height: h } });
  await useTestBundle(context);  // window.__pantau (inject, measure) is in the test bundle only
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 60000 });
  const idle = await page.evaluate(() => window.__pantau.measure(5000));
  const t0 = Date.now();
  await page.evaluate((n) => window.__pantau.inject(n), n);
  await page.waitForFunction((n) => window.__pantau.state.incidents.size >= n, n);
  await page.waitForFunction(() => window.__pantau.map.loaded(), null, { timeout: 60000 });
  const loadMs = Date.now() - t0;
  const renderMs = await page.evaluate(() => window.__pantau.renderMs);
  const moving = await page.evaluate(async () => {
    const map = window.__pantau.map;
    const result = window.__pantau.measure(10000);
    const c = map.getCenter();
    map.easeTo({ center: [c.lng + 0.05, c.lat + 0.03], zoom: map.getZoom() + 1.5, duration: 5000 });
    setTimeout(() => map.easeTo({ center: c, zoom: map.getZoom() - 1.5, duration: 4500 }), 5200);
    return result;
  });
  const r = (x) => Math.round(x * 10) / 10;
  console.log(`viewport ${w}x${h}, software WebGL (SwiftShader), ${n} incidents`);
  console.log(`without incidents: median ${r(idle.median)} ms, p95 ${r(idle.p95)} ms over ${idle.frames} frames`);
  console.log(`${n} incidents in state and on the map after ${loadMs} ms; one render pass (panels, map data) ${r(renderMs)} ms`);
  console.log(`with ${n} incidents, panning and zooming: median ${r(moving.median)} ms, p95 ${r(moving.p95)} ms, max ${r(moving.max)} ms over ${moving.frames} frames`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
