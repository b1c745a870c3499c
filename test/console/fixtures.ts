import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  Approval,
  DeadLetter,
  Incident,
  IncidentDetail,
  RunDetail,
} from '../../src/console/ui/lib/types';

/** API answers recorded from a real Cordon running the README quick-start. */
export interface QuickStart {
  incident: Incident;
  incidentDetail: IncidentDetail;
  approval: Approval;
  runWaiting: RunDetail;
  runResolved: RunDetail;
  graph: { playbook: string; hash: string; mermaid: string };
  deadLetters: { deadLetters: DeadLetter[] };
  deadLetter: DeadLetter;
}

export function quickStart(): QuickStart {
  return JSON.parse(
    // A path, not a URL object: happy-dom replaces the global URL in component tests.
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '../fixtures/console/quick-start.json'),
      'utf8',
    ),
  ) as QuickStart;
}
