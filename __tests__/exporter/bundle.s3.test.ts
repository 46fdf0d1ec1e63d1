import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  /** Runs the bundle's handler in a fresh node; asynchronously, so a server in this process can answer it. */
  function run(event: unknown, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    const code =
      `require(${JSON.stringify(script)}).handler(JSON.parse(process.argv[1]))` +
      `.then((r) => console.log('RESULT', JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); })`;
    return new Promise((resolve) => {
      execFile(process.execPath, ['-e', code, JSON.stringify(event)], { env }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  // NODE_NO_WARNINGS: the SDK warns that Node 20 (this machine) is old; Lambda runs Node 22.
  const lambdaEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...harness().env(), NODE_NO_WARNINGS: '1' });

  /** The environment without the role's keys: what a runtime serving credentials from an endpoint looks like. */
  function withoutKeys(): NodeJS.ProcessEnv {
    const env = lambdaEnv();
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      delete env[name];
    }
    return env;
  }

  async function invoke(event: unknown) {
    const r = await run(event, lambdaEnv());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  }

  test.each([
    ['a small object', 1024],
    ['a multipart object', 11 * MiB + 5],
  ])('%s arrives byte for byte and leaves the export bucket', async (_, size) => {
    const body = bytesOf(size);
    const uploaded = await harness().buckets.upload(`${DATASET}/bundle/${size}.bin`, body);
    expect(await invoke(eventBridgeEvent(harness().buckets.exportBucket, uploaded))).toContain('RESULT');
    const got = await harness().buckets.receiver.send(
      new GetObjectCommand({ Bucket: harness().buckets.receiverBucket, Key: uploaded.key }),
    );
    expect(sha256(await got.Body!.transformToByteArray())).toBe(sha256(body));
    expect(await harness().buckets.versions('export', uploaded.key)).toEqual([]);
  });

  describe('credentials', () => {
    let server: Server;
    const asked: (string | undefined)[] = [];
    beforeAll(async () => {
      // A container credentials endpoint (as ECS and some Lambda runtimes provide) handing out the exporter's keys.
      server = createServer((req, res) => {
        asked.push(req.headers.authorization);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            AccessKeyId: process.env.AWS_ACCESS_KEY_ID,
            SecretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
            Token: 'local-session-token',
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('without keys in the environment, the bundle asks the container credentials endpoint', async () => {
      const uploaded = await harness().buckets.upload(`${DATASET}/bundle/container-creds.bin`, bytesOf(100));
      const { port } = server.address() as AddressInfo;
      const r = await run(eventBridgeEvent(harness().buckets.exportBucket, uploaded), {
        ...withoutKeys(),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'local-authorization-token',
      });
      expect(asked).toEqual(['local-authorization-token']);
      expect(r.stderr).toBe('');
      expect(await harness().buckets.versions('export', uploaded.key)).toEqual([]);
    });

    test('with no credentials at all, the function fails saying where it looked, and keeps the file', async () => {
      const uploaded = await harness().buckets.upload(`${DATASET}/bundle/no-creds.bin`, bytesOf(100));
      const r = await run(eventBridgeEvent(harness().buckets.exportBucket, uploaded), withoutKeys());
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/No AWS credentials: .*AWS_ACCESS_KEY_ID.*AWS_CONTAINER_CREDENTIALS_FULL_URI/);
      expect(await harness().buckets.versions('export', uploaded.key)).toHaveLength(1);
    });
  });
});
