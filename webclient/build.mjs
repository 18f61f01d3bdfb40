// Builds static/callgate-dialer.js from src/ with esbuild, JsSIP included.
//
//   node build.mjs          write the bundle
//   node build.mjs --check  fail if the committed bundle differs from a fresh build
//
// The bundle starts with "/* sources-sha256: <hex> */", a hash over the
// inputs (see sourcesHash); the Go tests recompute it without Node to catch a
// bundle that was not rebuilt after its sources changed.

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'static', 'callgate-dialer.js');

/** Files that decide the bundle's content, relative to webclient/, sorted. */
export function inputFiles() {
  const files = ['build.mjs', 'package.json', 'package-lock.json'];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith('.test.js')) files.push(relative(here, p).split(sep).join('/'));
    }
  };
  walk(join(here, 'src'));
  return files.sort();
}

/**
 * sha256 over, for each input file in byte order of its path:
 * "<path>\n<sha256 hex of the content with CRLF turned into LF>\n".
 */
export function sourcesHash() {
  const h = createHash('sha256');
  for (const f of inputFiles()) {
    const text = readFileSync(join(here, f)).toString('latin1').replaceAll('\r\n', '\n');
    const fh = createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex');
    h.update(`${f}\n${fh}\n`);
  }
  return h.digest('hex');
}

/** Licence texts of the npm packages that ended up in the bundle. */
function licences(metafile) {
  const pkgs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) pkgs.add(m[1]);
  }
  const parts = [];
  for (const name of [...pkgs].sort()) {
    const dir = join(here, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license'].map((f) => join(dir, f)).find(existsSync);
    const text = file ? readFileSync(file, 'utf8').trim() : `License: ${pkg.license}`;
    parts.push(`${name} ${pkg.version}\n\n${text}`);
  }
  return `\n/*! Bundled third-party packages and their licences:\n\n${parts.join('\n\n---\n\n').replaceAll('*/', '* /')}\n*/\n`;
}

async function bundle() {
  const result = await build({
    entryPoints: [join(here, 'src', 'callgate-dialer.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
    minify: true,
    legalComments: 'none',
    loader: { '.css': 'text' },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  const header = `/* sources-sha256: ${sourcesHash()} */\n` +
    '/* <callgate-dialer>: built by `npm run build` in webclient/ from webclient/src. Do not edit. */\n';
  return header + code + licences(result.metafile);
}

const text = await bundle();
if (process.argv.includes('--check')) {
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current !== text) {
    console.error('static/callgate-dialer.js is out of date: run `npm run build` in webclient/');
    process.exit(1);
  }
  console.log('static/callgate-dialer.js is up to date');
} else {
  writeFileSync(out, text);
  console.log(`wrote ${relative(here, out)} (${Buffer.byteLength(text)} bytes)`);
}
