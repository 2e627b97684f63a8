// Builds the browser UI into dist/public: one bundled script per page from src/browser/ and the
// stylesheet (esbuild; `ekg/client` is bundled in), named with a content hash so the api can
// cache them for a year, and the HTML from public/ pointing at those names.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('./dist/public');
const assetsDir = `${outDir}/assets`;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });

const result = await build({
  entryPoints: {
    home: here('./src/browser/home.ts'),
    room: here('./src/browser/room.ts'),
    transcript: here('./src/browser/transcript.ts'),
    status: here('./src/browser/status.ts'),
    style: here('./public/assets/style.css'),
    charts: here('./public/assets/charts.css'),
  },
  entryNames: '[name]-[hash]',
  outdir: assetsDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// `/assets/room.js` → `/assets/room-5XQ2J7KD.js`, and the same for the stylesheet.
const renamed = new Map();
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const hashed = basename(path);
  const plain = `${hashed.slice(0, hashed.lastIndexOf('-'))}${extname(hashed)}`;
  renamed.set(`/assets/${plain}`, `/assets/${hashed}`);
}

for (const name of readdirSync(here('./public'))) {
  if (!name.endsWith('.html')) continue;
  let html = readFileSync(here(`./public/${name}`), 'utf8');
  for (const [plain, hashed] of renamed) html = html.replaceAll(`"${plain}"`, `"${hashed}"`);
  writeFileSync(`${outDir}/${name}`, html);
}
for (const name of readdirSync(here('./public/assets'))) {
  if (name !== 'style.css' && name !== 'charts.css')
    cpSync(here(`./public/assets/${name}`), `${assetsDir}/${name}`);
}
