// Builds the browser UI into dist/public: the HTML and CSS from public/, and one bundled
// script per page from src/browser/ (esbuild; `ekg/client` is bundled in).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('./dist/public');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
cpSync(here('./public'), outDir, { recursive: true });

await build({
  entryPoints: ['home', 'room', 'transcript'].map((page) => here(`./src/browser/${page}.ts`)),
  outdir: `${outDir}/assets`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
