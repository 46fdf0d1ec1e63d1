import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import { bundleLambda } from '../../packaging/lambda-bundle';
import { eventBridgeEvent } from './helpers/events';
import { DATASET, MiB, describeWithS3 } from './helpers/harness';
import { bytesOf, sha256 } from './helpers/local-s3';

/**
 * The zip synth deploys, not the TypeScript: its index.js, loaded by a fresh node as Lambda would, moves a small and
 * a multipart object. This is what proves the bundler's choices (ES module builds, tree-shaking) kept the SDK whole.
 */
describeWithS3('the deployed bundle', (harness) => {
  let script: string;
  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-run-'));
    const root = path.resolve(__dirname, '../..');
    const artifact = bundleLambda({ entry: 'functions/exporter/handler.ts', projectRoot: root, outDir: dir });
    script = path.join(dir, 'index.js');
    fs.writeFileSync(script, unzipSync(fs.readFileSync(artifact.zipPath))['index.js']);
  });

  function invoke(event: unknown) {
    const r = spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(script)}).handler(JSON.parse(process.argv[1])).then((r) => console.log('RESULT', JSON.stringify(r)))`, JSON.stringify(event)],
      // NODE_NO_WARNINGS: the SDK warns that Node 20 (this machine) is old; Lambda runs Node 22.
      { env: { ...process.env, ...harness().env(), NODE_NO_WARNINGS: '1' }, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  }

  test.each([
    ['a small object', 1024],
    ['a multipart object', 11 * MiB + 5],
  ])('%s arrives byte for byte and leaves the export bucket', async (_, size) => {
    const body = bytesOf(size);
    const uploaded = await harness().buckets.upload(`${DATASET}/bundle/${size}.bin`, body);
    expect(invoke(eventBridgeEvent(harness().buckets.exportBucket, uploaded))).toContain('RESULT');
    const got = await harness().buckets.receiver.send(
      new GetObjectCommand({ Bucket: harness().buckets.receiverBucket, Key: uploaded.key }),
    );
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
    expect(await harness().buckets.versions('export', uploaded.key)).toEqual([]);
  });
});
