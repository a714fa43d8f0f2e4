// Starts the real `pantau serve` on an ephemeral port with the real Tangerang districts from
// ../shared/data and a temporary data dir, and reads the URL it prints on stdout.
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = process.env.PANTAU_BIN ?? join(repo, "build/server/pantau");
export const webRoot = process.env.PANTAU_WEB_ROOT ?? join(repo, "build/web");
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

// Pages of `context` load app.test.js, the wall with window.__pantau (src/test_hooks.js), where
// index.html asks for app.js; the server serves both bundles (bundle.mjs).
export async function useTestBundle(context) {
  await context.route((url) => url.pathname === "/app.js",
    (route) => route.continue({ url: route.request().url().replace(/\/app\.js(?=$|[?#])/, "/app.test.js") }));
}

export function freshDataDir() { return mkdtempSync(join(tmpdir(), "pantau_web_")); }

export async function startServer({ dataDir, listen = "127.0.0.1:0", extra = [] }) {
  for (const f of [bin, webRoot, join(shared, "tangerang/kelurahan.geojson")])
    if (!existsSync(f)) throw new Error(`missing ${f}`);
  const args = ["serve", "--listen", listen, "--web-root", webRoot, "--data-dir", dataDir,
    "--districts", `kelurahan=${join(shared, "tangerang/kelurahan.geojson")}`,
    "--districts", `kecamatan=${join(shared, "tangerang/kecamatan.geojson")}`,
    "--parent-field", "kode_kec", ...extra];
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
  const r = await fetch(new URL("/api/v1/reports", url), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(reports) });
  const body = await r.json();
  if (!r.ok) throw new Error(`POST reports: ${r.status} ${JSON.stringify(body)}`);
  return body;
}
