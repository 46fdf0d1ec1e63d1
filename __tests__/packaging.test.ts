import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { PROJECT_ROOT } from '../config';
import { bundleLambda } from '../packaging/lambda-bundle';

/** The exporter's zip: what Lambda runs, and a hash that changes only when the code does. */
const outDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-test-'));
const build = () => bundleLambda({ entry: 'functions/exporter/handler.ts', projectRoot: PROJECT_ROOT, outDir: outDir() });

const first = build();
const second = build();

test('the same source gives the same bytes and hash', () => {
  expect(second.sha256Hex).toBe(first.sha256Hex);
  expect(fs.readFileSync(second.zipPath).equals(fs.readFileSync(first.zipPath))).toBe(true);
  expect(first.sha256Base64).toBe(createHash('sha256').update(fs.readFileSync(first.zipPath)).digest('base64'));
});

test('the zip holds index.js and its source map; index.js exports the handler', () => {
  const files = unzipSync(fs.readFileSync(first.zipPath));
  expect(Object.keys(files).sort()).toEqual(['index.js', 'index.js.map']);
  const dir = outDir();
  fs.writeFileSync(path.join(dir, 'index.js'), files['index.js']);
  // Loaded outside the project, as Lambda does: everything it needs (the AWS SDK included) is inside the bundle.
  const loaded = require(path.join(dir, 'index.js')) as { handler?: unknown };
  expect(typeof loaded.handler).toBe('function');
  const map = JSON.parse(Buffer.from(files['index.js.map']).toString()) as { sources: string[] };
  expect(map.sources).toContain('functions/exporter/handler.ts');
});

test('a time zone does not change the zip', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const script = `const { bundleLambda } = require('./packaging/lambda-bundle');
    process.stdout.write(bundleLambda({ entry: 'functions/exporter/handler.ts', projectRoot: process.cwd(), outDir: '${outDir()}' }).sha256Hex);`;
  const run = (tz: string) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
    }).stdout;
  expect(run('Pacific/Kiritimati')).toBe(first.sha256Hex);
  expect(run('America/Adak')).toBe(first.sha256Hex);
});
