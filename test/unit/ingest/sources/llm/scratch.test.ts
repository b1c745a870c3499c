import { it } from 'vitest';
import { litellmKind } from '../../../../../src/ingest/sources/litellm/index.js';
import { fixtureBytes, runKind } from '../../../../helpers/source-kind.js';
it('prints', async () => {
  for (const f of (process.env.FILES ?? '').split(',')) {
    const r = await runKind(litellmKind, fixtureBytes(f));
    console.log(f, JSON.stringify(r, null, 1));
  }
});
