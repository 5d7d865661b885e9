// Builds the browser's two files with esbuild (pinned in package.json), each from its ES modules:
// the race player, optviz/views/player/static/player.js (sources: optviz/views/player/src), and the
// stability map, optviz/views/map_static/map.js (sources: optviz/views/map_static/src, which import
// the player's shared modules: DOM helpers, canvas sizing, the colour bar).
//   node scripts/player-bundle.mjs           write the bundles
//   node scripts/player-bundle.mjs --check   exit 1 if a committed bundle differs from a fresh build
// The bundles are committed so the app runs without node; CI's check keeps them in step with the sources.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VIEWS = join(ROOT, "optviz", "views");
export const BUNDLES = {
  player: { entry: join(VIEWS, "player", "src", "index.js"), out: join(VIEWS, "player", "static", "player.js") },
  map: { entry: join(VIEWS, "map_static", "src", "index.js"), out: join(VIEWS, "map_static", "map.js") },
};
export const BUNDLE = BUNDLES.player.out;

function banner(name) {
  const sources = relative(ROOT, dirname(BUNDLES[name].entry));
  return (
    `// The ${name === "player" ? "race player" : "stability map"}, built from ${sources} by \`npm run build\` (scripts/player-bundle.mjs).\n` +
    "// Do not edit: change the sources and rebuild; `npm run check:bundle` fails while this file is stale."
  );
}

// A bundle's text. Paths in it are relative to the repository, so every checkout builds the same bytes.
export async function build(name = "player") {
  const result = await esbuild.build({
    entryPoints: [BUNDLES[name].entry],
    absWorkingDir: ROOT,
    bundle: true,
    format: "esm",
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    // Whitespace and syntax minified (names kept, so a stack trace still reads): the player travels
    // with every race the app sends, a dragged slider's included.
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: banner(name) },
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  let stale = false;
  for (const [name, { out }] of Object.entries(BUNDLES)) {
    const text = await build(name);
    if (check) {
      let committed = "";
      try {
        committed = readFileSync(out, "utf8");
      } catch {
        // a missing bundle is a stale one
      }
      if (committed !== text) {
        console.error(`${relative(ROOT, out)} is not the build of its sources: run \`npm run build\` and commit it`);
        stale = true;
      } else {
        console.log(`${relative(ROOT, out)} is up to date (${text.length} characters)`);
      }
    } else {
      writeFileSync(out, text);
      console.log(`wrote ${relative(ROOT, out)} (${Buffer.byteLength(text)} bytes)`);
    }
  }
  if (stale) process.exit(1);
}
