// Builds the map wall into one folder the server serves, and its test bundle into another:
//   node build.mjs [OUT_DIR [TEST_DIR]]      (default: dist/ and OUT_DIR-test, e.g. dist-test/)
// 1. generates the protobuf code from ../proto/pantau.proto (and gtfs_realtime.proto, for the
//    tests) with protoc + protoc-gen-es (so the client can never drift from the server's wire format),
// 2. bundles src/main.js with esbuild (ES module, minified, with a source map) into app.js, and
//    into TEST_DIR/app.test.js with the browser tests' hooks (bundle.mjs): outside OUT_DIR, so
//    the server never serves the hooks,
// 3. copies index.html, the styles and MapLibre's worker next to the bundle.
// Nothing here fetches anything: every byte the page loads comes out of OUT_DIR.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./bundle.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "dist"));
const testOut = resolve(process.argv[3] ?? `${out}-test`);
const protoDir = resolve(here, "../proto");
const genDir = join(here, "src/gen");
const protoc = process.env.PROTOC || "protoc";

mkdirSync(genDir, { recursive: true });
mkdirSync(out, { recursive: true });

try {
  execFileSync(protoc, [
    `-I${protoDir}`,
    `--plugin=protoc-gen-es=${join(here, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${genDir}`,
    "--es_opt=target=js",
    join(protoDir, "pantau.proto"),
    // Only the tests import it (to send GTFS-Realtime feeds); the bundle leaves it out.
    join(protoDir, "gtfs_realtime.proto"),
  ], { stdio: "inherit" });
} catch (e) {
  console.error(`web/build.mjs: protoc failed (${e.message}); is protobuf-compiler installed and npm ci done?`);
  process.exit(1);
}

try {
  await bundle(out, testOut);
} catch (e) {
  console.error(`web/build.mjs: ${e.message}`);
  process.exit(1);
}

const mapDist = join(here, "node_modules/maplibre-gl/dist");
for (const [from, to] of [
  [join(here, "index.html"), "index.html"],
  [join(here, "login.html"), "login.html"],
  [join(here, "login.js"), "login.js"],
  [join(here, "src/style.css"), "style.css"],
  [join(mapDist, "maplibre-gl.css"), "maplibre-gl.css"],
  [join(mapDist, "maplibre-gl-worker.mjs"), "maplibre-gl-worker.mjs"],
  [join(mapDist, "maplibre-gl-shared.mjs"), "maplibre-gl-shared.mjs"],
]) {
  if (existsSync(from)) copyFileSync(from, join(out, to));
}
console.log(`web/build.mjs: built the map wall into ${out}, its test bundle into ${testOut}`);
