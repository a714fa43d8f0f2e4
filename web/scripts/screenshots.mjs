// The README's pictures of the wall as a user sees it: the real `pantau serve` with the real
// Tangerang districts and the built-in simulator's reports (`--simulate RATE`), photographed in
// Debian's Chromium once the simulator has filled the city for a while.
//
//   node web/scripts/screenshots.mjs [OUT_DIR] [--seconds S] [--rate R]
//
// OUT_DIR defaults to docs/screenshots; it needs the build (build/server/pantau, build/web and
// build/web-test, or the PANTAU_* variables of test/server.mjs).
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startServer, freshDataDir, chromiumPath, chromiumArgs, useTestBundle } from "../test/server.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  seconds: { type: "string", default: "60" },   // how long the simulator runs before the pictures
  rate: { type: "string", default: "20" },      // reports per second (the city's day in a minute)
} });
const out = resolve(positionals[0] ?? join(dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots"));
const seconds = Number(values.seconds), rate = Number(values.rate);
if (!(seconds > 0) || !(rate > 0)) { console.error("screenshots: --seconds and --rate must be numbers above 0"); process.exit(2); }

const dataDir = freshDataDir();
const server = await startServer({ dataDir, extra: ["--simulate", String(rate)] });
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
try {
  console.log(`screenshots: simulating ${rate} reports/s for ${seconds} s`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  mkdirSync(out, { recursive: true });
  // The test bundle only to know when the map is drawn (window.__pantau.ready); it runs the same wall.
  const shoot = async (query, viewport, file, settleMs) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await useTestBundle(context);
    const page = await context.newPage();
    await page.goto(`${server.url.replace(/\/$/, "")}/${query}`);
    await page.waitForFunction(() => window.__pantau?.ready === true && document.querySelectorAll("#feed li").length > 0, null, { timeout: 60000 });
    await page.waitForTimeout(settleMs);
    await page.screenshot({ path: join(out, file) });
    await context.close();
    console.log(`screenshots: ${join(out, file)}`);
  };
  await shoot("", { width: 1600, height: 900 }, "wall.png", 1500);
  await shoot("?kiosk=1&tour_s=600", { width: 1920, height: 1080 }, "kiosk.png", 3500);  // after the tour's first flight
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
