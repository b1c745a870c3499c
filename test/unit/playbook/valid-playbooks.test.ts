import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlaybooks } from '../../../src/playbook/definition/build-playbooks.js';
import type { CompiledPlaybook } from '../../../src/playbook/definition/compile-playbook.js';
import type {
  ActionStateDefinition,
  ApprovalStateDefinition,
  PlaybookContext,
  PlaybookDefinition,
} from '../../../src/playbook/definition/types.js';
import { SHIPPED_ROUTES } from '../../helpers/shipped-routes.js';

const REPO = new URL('../../../', import.meta.url);

const CTX: PlaybookContext = {
  connectors: new Map([
    ['gateway', 'builtin-limiter'],
    ['cases', 'builtin-cases'],
  ]),
  routes: SHIPPED_ROUTES,
  rules: new Map([['model_extraction_by_query_volume', ['api_key']]]),
};

function buildFile(relative: string, ctx: PlaybookContext = CTX): CompiledPlaybook[] {
  const text = readFileSync(new URL(relative, REPO), 'utf8');
  const { playbooks, diagnostics } = buildPlaybooks([{ file: relative, text }], ctx);
  if (!playbooks || diagnostics.length > 0)
    throw new Error(`${relative} does not build cleanly: ${JSON.stringify(diagnostics)}`);
  return playbooks;
}

function definitionOf(relative: string): PlaybookDefinition {
  const playbooks = buildFile(relative);
  if (playbooks.length !== 1) throw new Error(`${relative} holds ${playbooks.length} playbooks`);
  return playbooks[0]!.definition;
}

function action(def: PlaybookDefinition, name: string): ActionStateDefinition {
  const state = def.states[name];
  if (state?.kind !== 'action') throw new Error(`${name} is not an action state`);
  return state;
}

function approval(def: PlaybookDefinition, name: string): ApprovalStateDefinition {
  const state = def.states[name];
  if (state?.kind !== 'approval') throw new Error(`${name} is not an approval state`);
  return state;
}

describe('the shipped playbook (playbooks/contain-abusive-key.yaml)', () => {
  it('builds with zero diagnostics', () => {
    const file = 'playbooks/contain-abusive-key.yaml';
    const { playbooks, diagnostics } = buildPlaybooks(
      [{ file, text: readFileSync(new URL(file, REPO), 'utf8') }],
      CTX,
    );
    expect(diagnostics).toEqual([]);
    expect(playbooks?.map((p) => p.definition.id)).toEqual(['contain-abusive-key']);
  });

  it.each(['minimal', 'on-failure', 'quorum-and-roles', 'two-documents', 'choice-and-wait'])(
    'valid/%s.yaml builds with zero diagnostics',
    (name) => {
      const file = `test/fixtures/playbooks/valid/${name}.yaml`;
      const { playbooks, diagnostics } = buildPlaybooks(
        [{ file, text: readFileSync(new URL(file, REPO), 'utf8') }],
        CTX,
      );
      expect(diagnostics).toEqual([]);
      expect(playbooks?.length).toBeGreaterThan(0);
    },
  );

  it('resolves to the full definition, defaults applied', () => {
    const def = definitionOf('playbooks/contain-abusive-key.yaml');
    expect(def).toEqual({
      apiVersion: 'cordon/v1',
      id: 'contain-abusive-key',
      title: 'Contain an abusive API key',
      description: expect.stringMatching(
        /^Throttles the key to 10 requests per minute for an hour,/,
      ),
      trigger: { rules: ['model_extraction_by_query_volume'], severities: ['high', 'critical'] },
      start: 'throttle',
      states: {
        throttle: {
          kind: 'action',
          operation: 'ratelimit.set',
          connector: 'gateway',
          connectorType: 'builtin-limiter',
          via: 'traffic',
          inputs: {
            key: '{{ incident.group.api_key }}',
            limit: '10/m',
            expires: '1h',
            reason: '{{ incident.title }}',
          },
          undo: 'ratelimit.clear',
          retry: { attempts: 5, backoff: 'exponential', delayMs: 1_000 },
          timeoutMs: 10_000,
          automatic: true,
          next: 'ask_case',
          onFailure: undefined,
        },
        ask_case: {
          kind: 'approval',
          roles: ['approver'],
          quorum: 1,
          timeoutMs: 1_800_000,
          message: expect.stringMatching(
            /^API key \{\{ incident\.group\.api_key \}\} sent \{\{ incident\.eventCount \}\}/,
          ),
          on: {
            approved: 'open_case',
            rejected: 'closed_without_case',
            timeout: 'closed_without_case',
          },
        },
        open_case: {
          kind: 'action',
          operation: 'ticket.open',
          connector: 'cases',
          connectorType: 'builtin-cases',
          via: 'tickets',
          inputs: {
            summary: '{{ incident.title }}',
            description: 'Opened by playbook contain-abusive-key for incident {{ incident.id }}.',
            severity: '{{ incident.severity }}',
            dedupe: '{{ incident.id }}',
          },
          undo: undefined,
          retry: { attempts: 3, backoff: 'exponential', delayMs: 1_000 },
          timeoutMs: 30_000,
          automatic: false,
          next: 'escalate',
          onFailure: undefined,
        },
        escalate: {
          kind: 'choice',
          branches: [{ when: 'incident.severity == "critical"', next: 'ask_block' }],
          default: 'done',
        },
        ask_block: {
          kind: 'approval',
          roles: ['approver'],
          quorum: 1,
          timeoutMs: 3_600_000,
          message: expect.stringMatching(
            /^API key \{\{ incident\.group\.api_key \}\} is a critical/,
          ),
          on: { approved: 'block_key', rejected: 'done', timeout: 'done' },
        },
        block_key: {
          kind: 'action',
          operation: 'key.block',
          connector: 'gateway',
          connectorType: 'builtin-limiter',
          via: 'traffic',
          inputs: { key: '{{ incident.group.api_key }}', reason: '{{ incident.title }}' },
          undo: 'key.unblock',
          expiresMs: 86_400_000,
          retry: { attempts: 5, backoff: 'exponential', delayMs: 1_000 },
          timeoutMs: 10_000,
          automatic: false,
          next: 'done',
          onFailure: undefined,
        },
        done: { kind: 'end', outcome: 'resolved' },
        closed_without_case: { kind: 'end', outcome: 'resolved' },
      },
    });
  });

  it('keeps the connector name out of the inputs', () => {
    const def = definitionOf('playbooks/contain-abusive-key.yaml');
    expect(action(def, 'throttle').inputs).not.toHaveProperty('connector');
  });
});

describe('defaults (valid/minimal.yaml)', () => {
  const def = definitionOf('test/fixtures/playbooks/valid/minimal.yaml');

  it('takes the title from the id and an empty description', () => {
    expect(def.title).toBe('minimal');
    expect(def.description).toBe('');
    expect(def.apiVersion).toBe('cordon/v1');
  });

  it('accepts a single rule name as the trigger, with any severity', () => {
    expect(def.trigger).toEqual({ rules: ['model_extraction_by_query_volume'], severities: [] });
  });

  it('retries 3 times with exponential backoff from 1 s', () => {
    expect(action(def, 'throttle').retry).toEqual({
      attempts: 3,
      backoff: 'exponential',
      delayMs: 1_000,
    });
  });

  it('times an action out after 30 s', () => {
    expect(action(def, 'open_case').timeoutMs).toBe(30_000);
  });

  it('lets the approver role decide, one approver enough', () => {
    const ask = approval(def, 'ask_case');
    expect(ask.roles).toEqual(['approver']);
    expect(ask.quorum).toBe(1);
    expect(ask.timeoutMs).toBe(1_800_000);
  });

  it('sends a timeout where a rejection goes (fail closed)', () => {
    expect(approval(def, 'ask_case').on).toEqual({
      approved: 'open_case',
      rejected: 'done',
      timeout: 'done',
    });
  });

  it('writes a default approval message naming the state', () => {
    expect(approval(def, 'ask_case').message).toBe(
      'Approve the next step of this run (state ask_case)?',
    );
  });

  it('marks actions not automatic unless they say so', () => {
    expect(action(def, 'throttle').automatic).toBe(true);
    expect(action(def, 'open_case').automatic).toBe(false);
  });

  it('leaves on_failure undefined (the run ends failed)', () => {
    expect(action(def, 'throttle').onFailure).toBeUndefined();
  });
});

describe('valid/on-failure.yaml', () => {
  const def = definitionOf('test/fixtures/playbooks/valid/on-failure.yaml');

  it('records the on_failure target', () => {
    expect(action(def, 'throttle').onFailure).toBe('ask_case');
    expect(action(def, 'throttle').next).toBe('done');
  });

  it('takes retry and timeout as written', () => {
    expect(action(def, 'throttle').retry).toEqual({ attempts: 1, backoff: 'fixed', delayMs: 500 });
    expect(action(def, 'throttle').timeoutMs).toBe(5_000);
  });

  it('keeps an explicit timeout target and a templated message', () => {
    const ask = approval(def, 'ask_case');
    expect(ask.on).toEqual({ approved: 'open_case', rejected: 'gave_up', timeout: 'gave_up' });
    expect(ask.message).toBe(
      'Throttling {{ incident.group.api_key }} failed: {{ steps.throttle.error }}. Open a case?',
    );
    expect(ask.timeoutMs).toBe(3_600_000);
  });

  it('accepts "block" as a limit and a literal severity input', () => {
    expect(action(def, 'throttle').inputs.limit).toBe('block');
    expect(action(def, 'open_case').inputs.severity).toBe('high');
  });

  it('keeps the written title', () => {
    expect(def.title).toBe('Throttle, or ask when throttling fails');
  });

  it('compiles the failure edge, so no implicit failed state is needed for throttle', () => {
    const [compiled] = buildFile('test/fixtures/playbooks/valid/on-failure.yaml');
    // open_case has no on_failure, so the implicit __failed final state still exists.
    expect(Object.keys(compiled!.machine.root.states).sort()).toEqual(
      ['__failed', 'ask_case', 'done', 'gave_up', 'open_case', 'throttle'].sort(),
    );
  });
});

describe('valid/quorum-and-roles.yaml', () => {
  const def = definitionOf('test/fixtures/playbooks/valid/quorum-and-roles.yaml');

  it('keeps quorum 2 and the custom roles', () => {
    const ask = approval(def, 'ask_throttle');
    expect(ask.quorum).toBe(2);
    expect(ask.roles).toEqual(['ml-oncall', 'security-lead']);
    expect(ask.timeoutMs).toBe(2 * 86_400_000);
  });

  it('defaults on.timeout to the rejected target', () => {
    expect(approval(def, 'ask_throttle').on.timeout).toBe('not_throttled');
  });

  it('resolves an omitted connector to the one compatible connector', () => {
    expect(action(def, 'throttle').connector).toBe('gateway');
    expect(action(def, 'throttle').connectorType).toBe('builtin-limiter');
  });

  it('accepts a mutating action without automatic when only an approval leads to it', () => {
    expect(action(def, 'throttle').automatic).toBe(false);
  });

  it('accepts a single severity written as a string, and the written description', () => {
    expect(def.trigger.severities).toEqual(['critical']);
    expect(def.description).toBe('Throttle only after two people agree.');
  });
});

describe('valid/two-documents.yaml', () => {
  it('builds one playbook per document, in order', () => {
    const playbooks = buildFile('test/fixtures/playbooks/valid/two-documents.yaml');
    expect(playbooks.map((p) => p.definition.id)).toEqual(['first-of-two', 'second-of-two']);
    expect(playbooks[1]!.definition.states.closed).toEqual({ kind: 'end', outcome: 'cancelled' });
  });
});

describe('validated without knowing the rules', () => {
  it('accepts any rule name and any group field', () => {
    const text = readFileSync(
      new URL('test/fixtures/playbooks/invalid/trigger-unknown-rule.yaml', REPO),
      'utf8',
    ).replace('{{ incident.group.api_key }}', '{{ incident.group.anything }}');
    const { playbooks, diagnostics } = buildPlaybooks([{ file: 'x.yaml', text }], {
      ...CTX,
      rules: undefined,
    });
    expect(diagnostics).toEqual([]);
    expect(playbooks?.[0]?.definition.trigger.rules).toEqual(['model_extraction_by_query_volum']);
  });
});
