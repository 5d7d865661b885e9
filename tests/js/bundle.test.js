// The committed bundle is exactly what the sources build into: a stale player.js fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BUNDLE, build } from "../../scripts/player-bundle.mjs";

test("static/player.js is the build of optviz/views/player/src", async () => {
  const fresh = await build();
  const committed = readFileSync(BUNDLE, "utf8");
  assert.ok(committed === fresh, "optviz/views/player/static/player.js is stale: run `npm run build` and commit it");
  assert.match(committed, /export\s*\{\s*mount as default\s*\};\s*$/);
});

test("building twice gives the same bytes", async () => {
  assert.equal(await build(), await build());
});
