// The wall's production bundle carries no test hooks. bundle.mjs (what build.mjs runs) builds
// app.js and app.test.js into a temporary folder; only app.test.js may hold window.__pantau.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "../bundle.mjs";

const gen = join(dirname(fileURLToPath(import.meta.url)), "../src/gen/pantau_pb.js");

test("the production bundle app.js has no test hooks, the test bundle app.test.js has them", async () => {
  assert.ok(existsSync(gen), "src/gen is missing: run `node build.mjs OUT_DIR` once (it runs protoc)");
  const out = mkdtempSync(join(tmpdir(), "pantau_bundle_"));
  try {
    await bundle(out);
    const read = (f) => readFileSync(join(out, f), "utf8");
    const sources = (f) => JSON.parse(read(f)).sources;
    assert.equal(read("app.js").includes("__pantau"), false, "app.js mentions __pantau");
    assert.equal(read("app.js").includes("PANTAU_TEST_BUILD"), false, "the build constant is folded away");
    assert.equal(sources("app.js.map").some((s) => s.endsWith("test_hooks.js")), false, "test_hooks.js is bundled into app.js");
    assert.ok(read("app.test.js").includes("__pantau"));
    assert.ok(sources("app.test.js.map").some((s) => s.endsWith("test_hooks.js")));
    // Otherwise the same wall: the stream client and the store are in both.
    for (const f of ["app.js.map", "app.test.js.map"])
      for (const part of ["stream.js", "store.js", "main.js"]) assert.ok(sources(f).some((s) => s.endsWith(`src/${part}`)), `${part} in ${f}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
