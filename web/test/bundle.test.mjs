// The wall's production bundle carries no test hooks, and the web root never holds the test
// bundle. bundle.mjs (what build.mjs runs) builds app.js into one temporary folder (the web root)
// and app.test.js into another; only app.test.js may hold window.__pantau.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "../bundle.mjs";

const gen = join(dirname(fileURLToPath(import.meta.url)), "../src/gen/pantau_pb.js");

test("the production bundle app.js has no test hooks, the test bundle app.test.js has them and lies outside the web root", async () => {
  assert.ok(existsSync(gen), "src/gen is missing: run `node build.mjs OUT_DIR` once (it runs protoc)");
  const tmp = mkdtempSync(join(tmpdir(), "pantau_bundle_"));
  const out = join(tmp, "web"), testOut = join(tmp, "web-test");
  try {
    // A test bundle an older build left in the web root is removed.
    await bundle(out, testOut);
    writeFileSync(join(out, "app.test.js"), "window.__pantau = {};");
    await bundle(out, testOut);
    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith("app.test")), [], "a test bundle in the web root");
    const read = (dir, f) => readFileSync(join(dir, f), "utf8");
    const sources = (dir, f) => JSON.parse(read(dir, f)).sources;
    assert.equal(read(out, "app.js").includes("__pantau"), false, "app.js mentions __pantau");
    assert.equal(read(out, "app.js").includes("PANTAU_TEST_BUILD"), false, "the build constant is folded away");
    assert.equal(sources(out, "app.js.map").some((s) => s.endsWith("test_hooks.js")), false, "test_hooks.js is bundled into app.js");
    assert.ok(read(testOut, "app.test.js").includes("__pantau"));
    assert.ok(sources(testOut, "app.test.js.map").some((s) => s.endsWith("test_hooks.js")));
    // The test bundle names its source map by a name next to it (useTestBundle serves it there).
    assert.match(read(testOut, "app.test.js"), /\/\/# sourceMappingURL=app\.test\.js\.map\s*$/);
    // Otherwise the same wall: the stream client and the store are in both.
    for (const [dir, f] of [[out, "app.js.map"], [testOut, "app.test.js.map"]])
      for (const part of ["stream.js", "store.js", "main.js"]) assert.ok(sources(dir, f).some((s) => s.endsWith(`src/${part}`)), `${part} in ${f}`);
    // A test folder inside the web root (or the web root itself) is refused.
    for (const inside of [out, join(out, "test")])
      await assert.rejects(bundle(out, inside), /outside the web root/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
