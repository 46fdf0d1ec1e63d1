#!/usr/bin/env node
// The "app" cdktf runs to synthesize: bundle main.ts and our modules (packages stay external) into one file with
// esbuild, then run it with plain node. ts-node would also work, but cdktf captures a stack trace for every token it
// creates, and ts-node maps each through source maps: synthesizing 1,000 datasets took twice as long that way.
const fs = require('node:fs');
const path = require('node:path');
const { buildSync } = require('esbuild');

const root = path.resolve(__dirname, '..');
// .build/ sits one level below the root, as main.ts does, so code that finds the root from its own folder still works.
const outfile = path.join(root, '.build', 'main.js');
const [bundle] = buildSync({
  entryPoints: [path.join(root, 'main.ts')],
  absWorkingDir: root,
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  write: false,
}).outputFiles;
// Written under a private name and renamed, so synths running side by side never read a half-written file.
fs.mkdirSync(path.dirname(outfile), { recursive: true });
const partial = `${outfile}.${process.pid}`;
fs.writeFileSync(partial, bundle.contents);
fs.renameSync(partial, outfile);
require(outfile);
