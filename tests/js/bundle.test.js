// The committed bundles are exactly what their sources build into: a stale one fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BUNDLES, build } from "../../scripts/player-bundle.mjs";

for (const [name, { out }] of Object.entries(BUNDLES)) {
  test(`the committed ${name} bundle is the build of its sources`, async () => {
    const fresh = await build(name);
    const committed = readFileSync(out, "utf8");
    assert.ok(committed === fresh, `${out} is stale: run \`npm run build\` and commit it`);
    assert.match(committed, /export\s*\{\s*\w+ as default\s*\};\s*$/);
  });

  test(`building the ${name} bundle twice gives the same bytes`, async () => {
    assert.equal(await build(name), await build(name));
  });
}
