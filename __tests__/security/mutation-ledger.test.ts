import { DEFAULT_SETTINGS, ledgerBucketName } from '../../naming';
import { synthesize } from '../helpers/synth';
import { lifecycleProblems, routingProblems } from './checks';
import { MATRIX } from './matrix';
import { loadModel, type Stack } from './model';
import { editPolicies, editResources, replaceText, withStatements } from './mutate';
import { failingCells } from './simulate';

/**
 * mutation.test.ts for what the ledger and the receivers' clean-up statement added: the exporters' ledger bucket
 * (each exporter its own `<name>/` records), the targets' s3:ResourceAccount conditions, and the lifecycle rules
 * that bound how long records, old versions and incomplete uploads stay. Each mistake must flip exactly the named
 * cells, or be reported by the static check that exists for it.
 */
type Stacks = Record<string, Stack>;
const { stacks } = synthesize();
const flips = (mutated: Stacks) => failingCells(loadModel(mutated), MATRIX);
/** proj's ledger records, as its exporter role's KeepLedger statement names them. */
const LEDGER_PROJ = 'arn:aws:s3:::mojap-hub-exports-ledger/proj/*';

test('the unmutated fixture fails no cell and no check', async () => {
  expect(await flips(stacks)).toEqual([]);
  expect(lifecycleProblems(loadModel(stacks), [ledgerBucketName(DEFAULT_SETTINGS)])).toEqual([]);
});

describe('widening the ledger or target grants flips exactly the cells that guard against it', () => {
  test("a ledger statement without the dataset prefix (ledger/proj/* → ledger/*) reaches every dataset's records", async () => {
    const m = replaceText(stacks, ['push-proj'], LEDGER_PROJ, 'arn:aws:s3:::mojap-hub-exports-ledger/*');
    expect(await flips(m)).toEqual([
      'export_proj-move s3:GetObject mojap-hub-exports-ledger/proj_2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj_2/0a1b.json → Denied',
      'export_proj-move s3:GetObject mojap-hub-exports-ledger/proj2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/0a1b.json → Denied',
    ]);
    // The static routing check sees it too: the role writes somewhere that is neither its target nor its own.
    expect(routingProblems(loadModel(m), DEFAULT_SETTINGS)).toEqual([
      'push-proj rule export_proj-move: its role writes arn:aws:s3:::mojap-hub-exports/.exporter-state/proj/*, ' +
        'arn:aws:s3:::mojap-hub-exports/export-receipts/proj/*, arn:aws:s3:::mojap-hub-exports-ledger/*, ' +
        'arn:aws:s3:::receiver-proj/proj/*, expected objects of arn:aws:s3:::receiver-proj/ and ' +
        'arn:aws:s3:::mojap-hub-exports/.exporter-state/proj/* and arn:aws:s3:::mojap-hub-exports/export-receipts/proj/* ' +
        'and arn:aws:s3:::mojap-hub-exports-ledger/proj/* only',
    ]);
  });

  test("a ledger prefix without its slash (ledger/proj* ) reaches proj_2's and proj2's records", async () => {
    const m = replaceText(stacks, ['push-proj'], LEDGER_PROJ, 'arn:aws:s3:::mojap-hub-exports-ledger/proj*');
    expect(await flips(m)).toEqual([
      'export_proj-move s3:GetObject mojap-hub-exports-ledger/proj_2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj_2/0a1b.json → Denied',
      'export_proj-move s3:GetObject mojap-hub-exports-ledger/proj2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj2/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj → Denied',
    ]);
  });

  test('a ledger listing condition without its slash (s3:prefix proj*) lists the other datasets\' records', async () => {
    // Only ListOwnLedger has the single prefix (ListOwnPrefix names the handover prefix too).
    const m = replaceText(stacks, ['push-proj'], '"s3:prefix":["proj/*"]', '"s3:prefix":["proj*"]');
    expect(await flips(m)).toEqual([
      'export_proj-move s3:ListBucket mojap-hub-exports-ledger [prefix "proj"] → Denied',
      'export_proj-move s3:ListBucket mojap-hub-exports-ledger [prefix "proj_2/"] → Denied',
    ]);
  });

  test('the ledger statement on the export bucket instead: the exporter could write uploads of its own', async () => {
    const m = replaceText(stacks, ['push-proj'], LEDGER_PROJ, 'arn:aws:s3:::mojap-hub-exports/proj/*');
    expect(await flips(m)).toEqual([
      'export_proj-move s3:PutObject mojap-hub-exports/proj/data.csv → Denied',
      'export_proj-move s3:GetObject mojap-hub-exports-ledger/proj/0a1b.json [read the record] → Allowed',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj/0a1b.json [conditional write] → Allowed',
      'export_proj-move s3:PutObject mojap-hub-exports/proj/0a1b.json → Denied',
      'export_proj-move s3:PutObject mojap-hub-exports-ledger/proj/0a1b.json [TLS 1.2] → Allowed',
    ]);
    expect(routingProblems(loadModel(m), DEFAULT_SETTINGS)).toHaveLength(1);
  });

  test('target statements without their s3:ResourceAccount condition reach the name in any account, ours too', async () => {
    const drop = (sid: string) =>
      editPolicies(stacks, ['push-proj'], 'aws_iam_role_policy', (d, id) =>
        id === 'exporter-policy'
          ? withStatements((st) => (st.Sid === sid ? { ...st, Condition: undefined } : st))(d)
          : d,
      );
    expect(await flips(drop('WriteTarget'))).toEqual([
      'export_proj-move s3:PutObject receiver-proj/proj/data.csv [receiver is the platform account] → Denied',
      'export_proj-move s3:PutObject receiver-proj/proj/data.csv [CopyObject, receiver is in another account] → Denied',
      'export_proj-move s3:PutObject receiver-proj/proj/big.bin [UploadPartCopy, receiver is in another account] → Denied',
      'export_proj-move s3:PutObject receiver-proj/proj/big.bin [CompleteMultipartUpload, receiver is in another account] → Denied',
      'export_proj-move s3:PutObjectAcl receiver-proj/proj/data.csv [receiver is in another account] → Denied',
      'export_proj-move s3:GetObject receiver-proj/proj/data.csv [HeadObject, receiver is in another account] → Denied',
      'export_proj-move s3:AbortMultipartUpload receiver-proj/proj/big.bin [receiver is in another account] → Denied',
    ]);
    expect(await flips(drop('CleanUpTarget'))).toEqual([
      'export_proj-move s3:ListBucketMultipartUploads receiver-proj [receiver is the platform account] → Denied',
      'export_proj-move s3:ListBucketMultipartUploads receiver-proj [receiver is in another account] → Denied',
    ]);
  });
});

describe('each static check reports the mistake it exists for', () => {
  test('a bucket without its lifecycle rules: incomplete uploads kept, old versions kept, ledger records kept', () => {
    const lifecycle = (m: Stacks) => lifecycleProblems(loadModel(m), [ledgerBucketName(DEFAULT_SETTINGS)]);
    const dropRule = (ids: string[], rule: string) =>
      editResources(stacks, ids, 'aws_s3_bucket_lifecycle_configuration', (r) => {
        r.rule = (r.rule as { id: string }[]).filter((x) => x.id !== rule);
      });
    expect(lifecycle(dropRule(['exporter'], 'expire-objects'))).toEqual([
      'exporter bucket mojap-hub-exports-ledger: no lifecycle rule expiring its objects',
    ]);
    const noAbort = dropRule(['pull-share_b'], 'abort-incomplete-multipart-uploads');
    expect(lifecycle(noAbort)).toEqual([
      'pull-share_b bucket mojap-share-b: no lifecycle rule aborting incomplete multipart uploads',
    ]);
    const noNoncurrent = dropRule(['pull-share_a'], 'expire-noncurrent-versions');
    expect(lifecycle(noNoncurrent)).toEqual([
      'pull-share_a bucket mojap-share-a: versioned, but no lifecycle rule expiring noncurrent versions',
    ]);
  });

  test('a function told to keep its ledger elsewhere than where its role may write', () => {
    const m = editResources(stacks, ['push-proj'], 'aws_lambda_function', (r) => {
      (r.environment as { variables: Record<string, string> }).variables.LEDGER_BUCKET = 'mojap-hub-exports';
    });
    expect(routingProblems(loadModel(m), DEFAULT_SETTINGS)).toEqual([
      'push-proj rule export_proj-move: its function keeps its ledger in mojap-hub-exports, not mojap-hub-exports-ledger',
    ]);
  });
});
