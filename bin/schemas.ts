import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { SCHEMA_FILES, schemaText } from '../config/schema';

/** Regenerates schemas/*.schema.json from the codecs (a test fails when the committed files are stale). */
for (const kind of ['push', 'pull'] as const) {
  const file = path.join(PROJECT_ROOT, SCHEMA_FILES[kind]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, schemaText(kind));
  console.log(`wrote ${SCHEMA_FILES[kind]}`);
}
