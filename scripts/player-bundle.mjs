// Builds the race player's one file, optviz/views/player/static/player.js, from its ES modules under
// optviz/views/player/src (entry: index.js) with esbuild (pinned in package.json).
//   node scripts/player-bundle.mjs           write the bundle
//   node scripts/player-bundle.mjs --check   exit 1 if the committed bundle differs from a fresh build
// The bundle is committed so the app runs without node; CI's check keeps it in step with the sources.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PLAYER = join(ROOT, "optviz", "views", "player");
export const ENTRY = join(PLAYER, "src", "index.js");
export const BUNDLE = join(PLAYER, "static", "player.js");
const BANNER =
  "// The race player, built from optviz/views/player/src by `npm run build` (scripts/player-bundle.mjs).\n" +
  "// Do not edit: change the sources and rebuild; `npm run check:bundle` fails while this file is stale.";

// The bundle's text. Paths in it are relative to the repository, so every checkout builds the same bytes.
export async function build() {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    format: "esm",
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    // Whitespace and syntax minified (names kept, so a stack trace still reads): the file travels with
    // every race the app sends, a dragged slider's included.
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: BANNER },
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await build();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(BUNDLE, "utf8");
    } catch {
      // a missing bundle is a stale one
    }
    if (committed !== text) {
      console.error(`${BUNDLE} is not the build of optviz/views/player/src: run \`npm run build\` and commit it`);
      process.exit(1);
    }
    console.log(`player bundle is up to date (${text.length} characters)`);
  } else {
    writeFileSync(BUNDLE, text);
    console.log(`wrote ${BUNDLE} (${Buffer.byteLength(text)} bytes)`);
  }
}
