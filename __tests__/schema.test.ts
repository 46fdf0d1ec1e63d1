import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { load, loadAll } from 'js-yaml';
import { PROJECT_ROOT } from '../config';
import { SCHEMA_FILES, schemaText } from '../config/schema';

/**
 * The committed JSON Schemas are generated from the codecs (they cannot drift), and they agree with the validator on
 * the whole dataset corpus, except for the rules only the validator can check, listed here with the reason.
 */
const CORPUS = path.join(__dirname, 'fixtures', 'corpus');

const VALIDATOR_ONLY: Record<string, string> = {
  'push_datasets/name_mismatch.yaml': 'the name must equal the file name',
  'pull_datasets/name_mismatch_pull.yaml': 'the name must equal the file name',
  'push_datasets/File_Capitals.yaml': 'the file name must be a dataset name (the name in it is one)',
  [`push_datasets/${'b'.repeat(53)}.yaml`]: 'the derived exporter role name must fit IAM (64 characters)',
  'push_datasets/bucket_export_bucket.yaml': 'the target must not be the export bucket (a setting)',
  'pull_datasets/hub_exports.yaml': 'the derived bucket must not be the export bucket (a setting)',
  'pull_datasets/trailing_.yaml': 'the derived bucket name must be valid',
  [`pull_datasets/${'c'.repeat(58)}.yaml`]: 'the derived bucket name must fit 63 characters',
  'push_datasets/two_documents.yaml': 'one YAML document per file',
  'push_datasets/bucket_code_bucket.yaml': "the target must not be the exporter's code bucket (a setting)",
  'pull_datasets/hub_exports_lambda_code.yaml': "the derived bucket must not be the exporter's code bucket",
  'push_datasets/bucket_ledger_bucket.yaml': "the target must not be the exporters' ledger bucket (a setting)",
  'pull_datasets/hub_exports_ledger.yaml': "the derived bucket must not be the exporters' ledger bucket",
  'pull_datasets/hub_exports_audit_results.yaml': "the derived bucket must not be the audit table's results bucket",
  'push_datasets/kms_platform_account.yaml': "the receiver's key must not be in the platform account (a setting)",
  'push_datasets/bucket_owner_platform.yaml': 'the receiving account must not be the platform account (a setting)',
  'push_datasets/kms_other_account.yaml': "the receiver's key must be in the bucket_owner account (two fields)",
  'push_datasets/bucket_owner_short.yaml':
    'an unquoted account ID is a number to editors, whose leading zero YAML drops: only the text written has 12 digits',
};
/** Not YAML an editor could check against a schema, or not a dataset file at all. */
const NOT_SCHEMA_CASES = [
  'push_datasets/syntax_error.yaml',
  'push_datasets/duplicate_key.yaml',
  'push_datasets/duplicate_users.yaml',
  'push_datasets/duplicate_nested_key.yaml',
  'push_datasets/tab_indentation.yaml',
  'push_datasets/tab_after_spaces.yaml',
  'push_datasets/tab_first_line.yaml',
  'push_datasets/old_format.yml',
  'push_datasets/notes.txt',
];

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = {
  push: ajv.compile(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILES.push), 'utf8'))),
  pull: ajv.compile(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILES.pull), 'utf8'))),
};

test.each(['push', 'pull'] as const)('schemas/%s-dataset.schema.json is what the codecs generate (npm run schemas)', (kind) => {
  expect(fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILES[kind]), 'utf8')).toBe(schemaText(kind));
});

const corpus = ['push_datasets', 'pull_datasets'].flatMap((dir) =>
  fs.readdirSync(path.join(CORPUS, dir)).map((f) => `${dir}/${f}`),
);

describe.each(corpus.filter((f) => !NOT_SCHEMA_CASES.includes(f)))('%s', (file) => {
  const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
  const valid = /^# valid\b/.test(text);
  const validate = file.startsWith('push') ? validators.push : validators.pull;
  // An empty file is an empty (null) document; of several documents, an editor checks each: the first will do.
  const document = loadAll(text)[0] ?? null;

  if (valid) {
    test('the schema accepts it', () => expect(validate(document) || validate.errors).toBe(true));
  } else if (VALIDATOR_ONLY[file]) {
    test(`the schema accepts it; only the validator refuses it (${VALIDATOR_ONLY[file]})`, () =>
      expect(validate(document) || validate.errors).toBe(true));
  } else {
    test('the schema refuses it', () => expect(validate(document)).toBe(false));
  }
});

test('every example dataset names its schema for editors on its first line', () => {
  for (const kind of ['push', 'pull'] as const) {
    const dir = path.join(PROJECT_ROOT, `${kind}_datasets`);
    for (const file of fs.readdirSync(dir)) {
      const first = fs.readFileSync(path.join(dir, file), 'utf8').split('\n')[0];
      expect(`${file}: ${first}`).toBe(`${file}: # yaml-language-server: $schema=../${SCHEMA_FILES[kind]}`);
      expect(validators[kind](load(fs.readFileSync(path.join(dir, file), 'utf8'))) || validators[kind].errors).toBe(true);
    }
  }
});

test('the corpus cases listed here exist, so the lists cannot go stale', () => {
  for (const file of [...Object.keys(VALIDATOR_ONLY), ...NOT_SCHEMA_CASES]) expect(corpus).toContain(file);
});
