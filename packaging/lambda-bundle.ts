import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';

/** A built Lambda artifact: a zip on disk and the hashes that name it and tell Lambda when the code changed. */
export interface LambdaArtifact {
  readonly zipPath: string;
  /** Hex SHA-256 of the zip: part of its S3 key, so new code is a new object and old stacks keep working. */
  readonly sha256Hex: string;
  /** Base64 SHA-256 of the zip: Lambda's `source_code_hash`. */
  readonly sha256Base64: string;
  readonly bytes: number;
}

/**
 * DOS timestamps in zips are local-time fields: a Date built from local fields gives the same bytes in every time
 * zone, so the same source always gives the same zip, the same hash, and no plan change.
 */
const FIXED_MTIME = new Date(1980, 0, 2, 0, 0, 0);

/** Relative to the project root, which is esbuild's working directory. */
const CREDENTIALS_MODULE = 'packaging/lambda-credentials.ts';

/**
 * Bundles a TypeScript entry point (AWS SDK v3 included, tree-shaken, minified, with a source map) for the Lambda
 * Node.js 22 runtime and zips it deterministically into `outDir`.
 */
export function bundleLambda(options: { entry: string; projectRoot: string; outDir: string }): LambdaArtifact {
  const result = buildSync({
    entryPoints: [path.resolve(options.projectRoot, options.entry)],
    absWorkingDir: options.projectRoot,
    outfile: 'index.js',
    bundle: true,
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    platform: 'node',
    target: 'node22',
    // The SDK's ES module builds tree-shake far better than its CommonJS ones (esbuild prefers "main" on node):
    // 465 KB instead of 624 KB for the exporter, before the alias below.
    mainFields: ['module', 'main'],
    // Lambda's own credential sources only (see lambda-credentials.ts): 335 KB instead of 465 KB.
    alias: { '@aws-sdk/credential-provider-node': `./${CREDENTIALS_MODULE}` },
    format: 'cjs',
    legalComments: 'none',
    // Paths in the source map stay relative to the project even when node_modules is a symlink (as in the
    // checkouts `changed` makes), so the same code gives the same zip wherever it is built.
    preserveSymlinks: true,
    write: false,
    logLevel: 'error',
  });
  const files: Zippable = {};
  for (const f of [...result.outputFiles].sort((a, b) => a.path.localeCompare(b.path))) {
    files[path.basename(f.path)] = [f.contents, { mtime: FIXED_MTIME }];
  }
  const zip = zipSync(files, { level: 9, mtime: FIXED_MTIME });
  const digest = createHash('sha256').update(zip).digest();
  const sha256Hex = digest.toString('hex');
  fs.mkdirSync(options.outDir, { recursive: true });
  const zipPath = path.join(options.outDir, `${path.basename(options.entry, '.ts')}-${sha256Hex.slice(0, 16)}.zip`);
  fs.writeFileSync(zipPath, zip);
  return { zipPath, sha256Hex, sha256Base64: digest.toString('base64'), bytes: zip.length };
}
