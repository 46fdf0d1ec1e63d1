import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { SCHEMA_FILES, schemaText } from '../config/schema';
import { RECEIPT_SCHEMA_FILE, receiptSchema } from '../naming';

/** Regenerates schemas/*.schema.json from the codecs and the receipt layout (a test fails when the committed files are stale). */
const files: [string, string][] = [
  ...(['push', 'pull'] as const).map((kind): [string, string] => [SCHEMA_FILES[kind], schemaText(kind)]),
  [RECEIPT_SCHEMA_FILE, `${JSON.stringify(receiptSchema(), null, 2)}\n`],
];
for (const [name, text] of files) {
  const file = path.join(PROJECT_ROOT, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`wrote ${name}`);
}
