// Writes schemas/<name>.schema.json from the code (src/schemas/): run after changing a state
// kind, an operation, a connector type or a correlation type, then commit the files.
// test/unit/schemas/schemas.test.ts fails while the files and the code disagree.
//   npm run build && node scripts/generate-schemas.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { SCHEMAS, schemaText } from '../dist/schemas/index.js';

mkdirSync('schemas', { recursive: true });
for (const name of Object.keys(SCHEMAS)) {
  writeFileSync(`schemas/${name}.schema.json`, schemaText(name));
  process.stdout.write(`schemas/${name}.schema.json\n`);
}
