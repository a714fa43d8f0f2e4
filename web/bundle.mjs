// The map wall's two bundles, both from src/main.js (build.mjs writes them; test/bundle.test.mjs
// checks them):
//   app.js       the wall, as index.html loads it, into the web root the server serves;
//   app.test.js  the same wall plus window.__pantau (src/test_hooks.js), into a folder of its own
//                outside the web root, so that no server ever hands out the test hooks; the
//                browser tests and scripts/frame-time.mjs put it in app.js's place from there
//                (test/server.mjs, useTestBundle).
// PANTAU_TEST_BUILD is a compile-time constant: false makes esbuild drop the hooks entirely.
import { rmSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

// What esbuild writes for the test bundle: the bundle, its source map and (if the bundled packages
// have licence comments) its LEGAL.txt.
const testFiles = ["app.test.js", "app.test.js.map", "app.test.js.LEGAL.txt"];

// Is `dir` the folder `root` or inside it?
function within(dir, root) {
  const rel = relative(resolve(root), resolve(dir));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

// Writes app.js into `out` (the web root) and app.test.js into `testOut`, which must lie outside
// `out`. A test bundle left in `out` by an older build is removed.
export async function bundle(out, testOut) {
  if (!testOut || within(testOut, out))
    throw new Error(`the test bundle's folder (${testOut}) must lie outside the web root ${out}: the server would serve it`);
  for (const f of testFiles) rmSync(join(out, f), { force: true });
  const common = {
    entryPoints: [join(here, "src/main.js")],
    bundle: true,
    format: "esm",
    target: ["chrome110", "firefox115", "safari16"],
    minify: true,
    sourcemap: true,
    logLevel: "warning",
    legalComments: "linked",
  };
  await Promise.all([
    esbuild.build({ ...common, outfile: join(out, "app.js"), define: { PANTAU_TEST_BUILD: "false" } }),
    esbuild.build({ ...common, outfile: join(testOut, "app.test.js"), define: { PANTAU_TEST_BUILD: "true" } }),
  ]);
}
