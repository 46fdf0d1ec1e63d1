import type { JsonSchema } from './codec';
import { PullDatasetCodec, PushDatasetCodec, type DatasetKind } from './datasets';

/**
 * JSON Schemas of the dataset files, generated from the io-ts codecs so the two cannot drift. Editors with the YAML
 * language server read them through the `# yaml-language-server: $schema=…` line at the top of each dataset file.
 * Rules a schema cannot express (the name equals the file name, derived names fit AWS limits, the target is not the
 * export bucket, no duplicate across files) are checked by `npm run validate` only.
 */
export const SCHEMA_FILES: Readonly<Record<DatasetKind, string>> = {
  push: 'schemas/push-dataset.schema.json',
  pull: 'schemas/pull-dataset.schema.json',
};

export function datasetSchema(kind: DatasetKind): JsonSchema {
  const codec = kind === 'push' ? PushDatasetCodec : PullDatasetCodec;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: kind === 'push' ? 'hub-exports push dataset' : 'hub-exports pull dataset',
    description:
      kind === 'push'
        ? 'Files written under s3://mojap-hub-exports/<name>/ are moved to a bucket in another AWS account.'
        : 'A bucket mojap-<name> that the users can read and write and the pull_arns can read.',
    ...codec.schema,
  };
}

/** The file's text: stable key order and a final newline, so regeneration is byte-for-byte repeatable. */
export const schemaText = (kind: DatasetKind): string => `${JSON.stringify(datasetSchema(kind), null, 2)}\n`;
