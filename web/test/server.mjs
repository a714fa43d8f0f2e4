// Starts the real `pantau serve` on an ephemeral port with the real Tangerang districts from
// ../shared/data and a temporary data dir, and reads the URL it prints on stdout.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = process.env.PANTAU_BIN ?? join(repo, "build/server/pantau");
export const webRoot = process.env.PANTAU_WEB_ROOT ?? join(repo, "build/web");
// The test bundle (app.test.js, with window.__pantau), built outside the web root (bundle.mjs).
export const testBundleDir = process.env.PANTAU_WEB_TEST_DIR ?? join(repo, "build/web-test");
export const shared = process.env.PANTAU_SHARED_DATA ?? join(repo, "../shared/data");

// Debian's Chromium, headless, with software WebGL (SwiftShader): what every browser test drives.
export const chromiumPath = process.env.PANTAU_CHROMIUM ?? "/usr/bin/chromium";
export const chromiumArgs = ["--headless=new", "--no-sandbox", "--disable-gpu", "--use-gl=angle", "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"];

// Runs `analyse(map, rgba, width, arg)` in the page on a copy of the map's canvas, taken inside a
// render event while WebGL's drawing buffer still holds the frame (the map does not preserve it).
// `analyse` is sent as source text: it must not use anything from the test's scope.
export async function analyseFrame(page, analyse, arg = null) {
  return page.evaluate(([source, arg]) => new Promise((resolve) => {
    const map = window.__pantau.map;
    map.once("render", () => {
      const src = map.getCanvas();
      const c = document.createElement("canvas");
      c.width = src.width; c.height = src.height;
      const g = c.getContext("2d");
      g.drawImage(src, 0, 0);
      const rgba = g.getImageData(0, 0, c.width, c.height).data;
      resolve((0, eval)(`(${source})`)(map, rgba, c.width, arg));
    });
    map.triggerRepaint();
  }), [analyse.toString(), arg]);
}

// Pages of `context` run app.test.js, the wall with window.__pantau (src/test_hooks.js), where
// index.html asks for app.js: the answer comes from the file in testBundleDir, never from the
// server, whose web root has no test bundle (bundle.mjs). So do the files the bundle names next to
// itself (the browser looks for them beside /app.js): its source map and its LEGAL.txt.
const testBundleFiles = { "/app.js": "app.test.js", "/app.test.js.map": "app.test.js.map", "/app.test.js.LEGAL.txt": "app.test.js.LEGAL.txt" };
const contentTypes = { js: "text/javascript; charset=utf-8", map: "application/json", txt: "text/plain; charset=utf-8" };
export async function useTestBundle(context) {
  const bundle = join(testBundleDir, "app.test.js");
  if (!existsSync(bundle)) throw new Error(`missing ${bundle}: build the target pantau_web (or node build.mjs OUT_DIR TEST_DIR)`);
  await context.route((url) => Object.hasOwn(testBundleFiles, url.pathname), (route) => {
    const file = join(testBundleDir, testBundleFiles[new URL(route.request().url()).pathname]);
    if (!existsSync(file)) return route.fulfill({ status: 404, body: `not built: ${file}` });
    return route.fulfill({ path: file, contentType: contentTypes[file.split(".").pop()], headers: { "Cache-Control": "no-store" } });
  });
}

// A new browser context on the test bundle, a page at `url` that logs its errors, once the city is
// drawn. `options` go to the context as well (e.g. a timezoneId).
export async function openTestWall(browser, url, viewport = { width: 1600, height: 900 }, options = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...options });
  await useTestBundle(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log("page error:", e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__pantau?.ready === true, null, { timeout: 30000 });
  return page;
}

export function freshDataDir() { return mkdtempSync(join(tmpdir(), "pantau_web_")); }

// What a browser test file runs against: the server on a fresh data dir (startServer's `extra`
// arguments) and Chromium; stop() ends both and removes the data dir, as does a failed start.
// prepare(dataDir), when given, fills the fresh data dir before the server starts on it.
export async function startBrowserSuite({ extra = [], prepare = null } = {}) {
  const { chromium } = await import("playwright-core");
  const dataDir = freshDataDir();
  let server = null, browser = null;
  const stop = async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await prepare?.(dataDir);
    server = await startServer({ dataDir, extra });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, browser, origin: server.url.replace(/\/$/, ""), stop };
}

// The tests' credentials, made with the CLI as an operator would (docs/security.md), per server:
// a source key per source on first use, and one operator token. The wall reads under --public-read.
const access = new Map(); // origin -> { dataDir, keys: Map, operator }
const cli = (dataDir, ...args) => execFileSync(bin, [...args, "--data-dir", dataDir], { encoding: "utf8" }).trim();
export function keyFor(url, source) {
  const a = access.get(new URL(url).origin);
  if (!a.keys.has(source)) a.keys.set(source, cli(a.dataDir, "keys", "add", "--source", source));
  return a.keys.get(source);
}
export function operatorToken(url) { return access.get(new URL(url).origin).operator; }

// The real Tangerang kelurahan and kecamatan, as every test server loads them. Whatever writes a
// data dir for such a server (seedHistory) must name the same districts: a checkpoint made with
// others is refused.
export const districtArgs = () => ["--districts", `kelurahan=${join(shared, "tangerang/kelurahan.geojson")}`,
  "--districts", `kecamatan=${join(shared, "tangerang/kecamatan.geojson")}`, "--parent-field", "kode_kec"];

export async function startServer({ dataDir, listen = "127.0.0.1:0", extra = [] }) {
  for (const f of [bin, webRoot, join(shared, "tangerang/kelurahan.geojson")])
    if (!existsSync(f)) throw new Error(`missing ${f}`);
  const operator = cli(dataDir, "tokens", "add", "--role", "operator", "--name", "web-test");
  const args = ["serve", "--listen", listen, "--web-root", webRoot, "--data-dir", dataDir, "--public-read",
    ...districtArgs(), ...extra];
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  // A test runner that dies (timeout, Ctrl-C) must not leave a server behind.
  const reap = () => { if (proc.exitCode === null) proc.kill("SIGKILL"); };
  process.once("exit", reap);
  proc.once("exit", () => process.removeListener("exit", reap));
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`pantau did not print its URL in 60 s; stderr: ${stderr}`)), 60000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/pantau: serving on (\S+)/);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`pantau exited with ${code}: ${stderr}`)); });
  });
  access.set(new URL(url).origin, { dataDir, keys: new Map(), operator });
  return {
    url, proc,
    async stop() {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await done;
    },
  };
}

export async function postReports(url, reports) {
  const source = (Array.isArray(reports) ? reports[0] : reports)?.source ?? "test";
  const r = await fetch(new URL("/api/v1/reports", url), { method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": keyFor(url, source) }, body: JSON.stringify(reports) });
  const body = await r.json();
  if (!r.ok) throw new Error(`POST reports: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

// `hours` of simulated traffic from `from` (ms), written into a fresh data dir's event log through
// the real service, before a server starts on it: the program pantau_test_seed_history (tests/,
// PANTAU_SEED_BIN) with the test servers' districts. Returns its JSON line {from_ms, until_ms, events}.
export const seedBin = process.env.PANTAU_SEED_BIN ?? join(repo, "build/tests/pantau_test_seed_history");
export function seedHistory(dataDir, { from, hours, seed = 13 }) {
  if (!existsSync(seedBin)) throw new Error(`missing ${seedBin}: build the target pantau_test_seed_history (PANTAU_TESTS=ON) or set PANTAU_SEED_BIN`);
  const out = execFileSync(seedBin, ["--data-dir", dataDir, "--from", new Date(from).toISOString(), "--hours", String(hours), "--seed", String(seed),
    ...districtArgs()], { encoding: "utf8", timeout: 600000, maxBuffer: 16 << 20 });
  const line = out.trim().split("\n").pop();
  return JSON.parse(line);
}
