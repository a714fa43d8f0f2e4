// The map wall's two bundles, both from src/main.js (build.mjs writes them; test/bundle.test.mjs
// checks them):
//   app.js       the wall, as index.html loads it;
//   app.test.js  the same wall plus window.__pantau (src/test_hooks.js), which the browser tests
//                and scripts/frame-time.mjs load in its place (test/server.mjs, useTestBundle).
// PANTAU_TEST_BUILD is a compile-time constant: false makes esbuild drop the hooks entirely.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

export async function bundle(out) {
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
    esbuild.build({ ...common, outfile: join(out, "app.test.js"), define: { PANTAU_TEST_BUILD: "true" } }),
  ]);
}
