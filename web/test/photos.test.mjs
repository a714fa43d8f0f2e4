// Photos in the wall's details, in real Chromium against the real `pantau serve` with
// `[wall] photo_hosts = foto.example.org`: a report's photo links are listed with the report id
// and time as links that open in a new tab without an opener; only the allow-listed host becomes
// a thumbnail, and the page loads images from no other host — not even one a script adds, which
// the server's Content-Security-Policy blocks. Nothing reaches the network: the allow-listed
// host's photo is answered by the test (Playwright's route), and any other request is recorded.
// Exit code 77 (ctest: skipped) only when chromium is missing.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer, freshDataDir, postReports, operatorToken, chromiumPath, chromiumArgs, useTestBundle } from "./server.mjs";

if (!existsSync(chromiumPath)) {
  console.log(`SKIP: no chromium at ${chromiumPath}; scripts/bootstrap installs it (apt-get install chromium)`);
  process.exit(77);
}
const WAIT = 15000;
// A 1 × 1 PNG: the allow-listed host's photo.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

const dataDir = freshDataDir();
let server, browser;
after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the details list photo links, thumbnails only from allow-listed hosts", async () => {
  const config = join(dataDir, "pantau.ini");
  writeFileSync(config, "[wall]\nphoto_hosts = foto.example.org\n");
  server = await startServer({ dataDir, extra: ["--config", config] });
  const origin = server.url.replace(/\/$/, "");
  const posted = await postReports(server.url, [{ source: "laksa", external_id: "foto-1", category: "complaint",
    type: "garbage", lon: 106.6352, lat: -6.1726, text: "sampah menumpuk", observed_at: new Date().toISOString(),
    media_urls: ["https://foto.example.org/laksa/1.png", "https://other.example.net/2.jpg"] }]);
  const { id: reportId, incident_id: id } = posted.results[0];
  const patched = await fetch(`${origin}/api/v1/incidents/${id}`, { method: "PATCH",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${operatorToken(origin)}` },
    body: JSON.stringify({ status: "resolved", media_url: "https://other.example.net/sesudah.jpg" }) });
  assert.equal(patched.status, 200);

  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  await useTestBundle(context);
  const served = [], foreign = [];
  await context.route("https://foto.example.org/**", (route) => {
    served.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "image/png", body: PNG });
  });
  const page = await context.newPage();
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.host !== new URL(origin).host && u.host !== "foto.example.org") foreign.push(req.url());
  });
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 30000 });
  await page.waitForSelector(`#feed li[data-id="${id}"]`, { timeout: WAIT });
  await page.click(`#feed li[data-id="${id}"]`);
  await page.waitForSelector("#details:not([hidden]) .photos li", { timeout: WAIT });

  const photos = await page.$$eval("#details .photos li", (lis) => lis.map((li) => {
    const a = li.querySelector("a");
    return { kind: li.dataset.kind, text: li.textContent, href: a.href, target: a.target, rel: a.rel,
      img: li.querySelector("img")?.getAttribute("src") ?? null };
  }));
  assert.equal(photos.length, 3);
  for (const p of photos) {
    assert.equal(p.target, "_blank");
    assert.equal(p.rel, "noopener noreferrer");
    assert.match(p.text, /\d{1,2}[./:]\d{1,2}/, "with its time");
  }
  assert.equal(photos[0].href, "https://foto.example.org/laksa/1.png");
  assert.match(photos[0].text, new RegExp(`Laporan #${reportId}\\b`));
  assert.equal(photos[0].img, "https://foto.example.org/laksa/1.png", "an allow-listed host is a thumbnail");
  assert.equal(photos[1].href, "https://other.example.net/2.jpg");
  assert.equal(photos[1].img, null, "any other host is a link only");
  assert.match(photos[1].text, /other\.example\.net/);
  assert.equal(photos[2].kind, "after");
  assert.match(photos[2].text, /Foto sesudah/);
  assert.equal(photos[2].img, null);

  // The thumbnail was loaded (from the test's answer), and nothing from another host.
  await page.waitForFunction(() => document.querySelector("#details .photos img")?.complete, null, { timeout: WAIT });
  assert.equal(await page.$eval("#details .photos img", (img) => img.naturalWidth), 1);
  assert.deepEqual(served, ["https://foto.example.org/laksa/1.png"]);
  assert.deepEqual(foreign, []);
  // The page's policy, not only the wall's code, keeps other hosts out: an image a script adds
  // is refused by the browser (Chromium still reports the attempt as a request that fails).
  const blocked = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), { once: true });
    const img = new Image();
    img.src = "https://other.example.net/probe.png";
    document.body.append(img);
  }));
  assert.match(blocked, /^img-src https:\/\/other\.example\.net/);
  await context.close();
});
