import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { DURATION } from '../playbook/kinds/schema-parts.js';
import { schemaDocument } from './schema-document.js';

const REPLY: JsonSchema = {
  type: 'object',
  oneOf: [{ required: ['result'] }, { required: ['error'] }],
  properties: {
    result: { description: 'The connector succeeded with this result.' },
    error: { type: 'string', description: 'The connector failed with this error code.' },
    message: { type: 'string' },
  },
  additionalProperties: false,
};

const BY = {
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  description: 'Who decided (default: tester).',
};

/** playbooks/<id>.test.yaml (src/playbook/tooling/playbook-tests.ts). */
export function playbookTestSchema(): JsonSchema {
  return schemaDocument('playbook-test', 'Cordon playbook tests (playbooks/<id>.test.yaml).', {
    type: 'object',
    required: ['tests'],
    properties: {
      playbook: { type: 'string', description: 'The playbook id (default: from the file name).' },
      connectors: {
        type: 'array',
        items: { type: 'string' },
        description:
          'The outbound connectors/ instances every case runs with enabled, and no other ([] = none), unless a case says otherwise.',
      },
      tests: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'incident', 'expect'],
          properties: {
            name: { type: 'string' },
            incident: { type: 'object', description: 'The incident the run starts with.' },
            connectors: {
              type: 'array',
              items: { type: 'string' },
              description:
                'The outbound connectors/ instances this case runs with enabled, and no other (routes and connectors.<name>.enabled pick them); [] = none.',
            },
            replies: {
              type: 'object',
              description: 'Stubbed connector replies per action state (a list: one per visit).',
              additionalProperties: { anyOf: [REPLY, { type: 'array', items: REPLY }] },
            },
            undo_replies: {
              type: 'object',
              description:
                'Stubbed replies to the undo of a state’s effect (default: success); a failed undo is marked and the others go on.',
              additionalProperties: REPLY,
            },
            script: {
              type: 'array',
              items: {
                type: 'object',
                oneOf: [
                  { required: ['approve'] },
                  { required: ['reject'] },
                  { required: ['advance'] },
                  { required: ['change'] },
                  { required: ['cancel'] },
                  { required: ['answer'] },
                ],
                properties: {
                  approve: { type: 'string', description: 'Approve the approval state named.' },
                  reject: { type: 'string', description: 'Reject the approval state named.' },
                  by: BY,
                  advance: DURATION,
                  change: { type: 'object', description: 'Incident fields that change.' },
                  cancel: {
                    const: true,
                    description: 'Cancel the run where it rests: its undos run, newest first.',
                  },
                  answer: {
                    type: 'string',
                    description:
                      'Answer this state’s connector call next (the order parallel branches’ calls come back).',
                  },
                },
                additionalProperties: false,
              },
            },
            expect: {
              type: 'object',
              minProperties: 1,
              properties: {
                path: { type: 'array', items: { type: 'string' } },
                status: { enum: ['running', 'waiting', 'resolved', 'failed', 'cancelled'] },
                undo_failed: {
                  type: 'array',
                  items: { type: 'string' },
                  description: 'States whose effect’s undo failed, in the order the undos ran.',
                },
                calls: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['operation'],
                    properties: {
                      operation: { type: 'string' },
                      state: { type: 'string' },
                      connector: { type: 'string' },
                      inputs: { type: 'object', description: 'A subset of the rendered inputs.' },
                    },
                    additionalProperties: false,
                  },
                },
              },
              additionalProperties: false,
            },
          },
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  });
}

/** An offset in a rule test: a duration or whole milliseconds. */
const OFFSET: JsonSchema = { anyOf: [DURATION, { type: 'integer', minimum: 0 }] };

/** correlations/*.test.yaml (src/correlate/rule-tests.ts). */
export function correlationTestSchema(): JsonSchema {
  return schemaDocument('correlation-test', 'Cordon rule tests (correlations/*.test.yaml).', {
    type: 'object',
    required: ['tests'],
    properties: {
      rules: { type: 'array', items: { type: 'string' } },
      tests: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'events', 'expect'],
          properties: {
            name: { type: 'string' },
            start: { type: 'string', description: 'RFC 3339 time the test starts at.' },
            events: {
              type: 'array',
              items: {
                type: 'object',
                required: ['at', 'event'],
                properties: {
                  at: OFFSET,
                  event: { type: 'object' },
                  repeat: { type: 'integer', minimum: 1 },
                  every: OFFSET,
                  delay: OFFSET,
                  source: { type: 'string' },
                },
                additionalProperties: false,
              },
            },
            expect: {
              type: 'array',
              items: {
                type: 'object',
                required: ['rule'],
                properties: {
                  rule: { type: 'string' },
                  group: { type: 'object' },
                  count: { type: 'number' },
                  late: { type: 'boolean' },
                  at: OFFSET,
                  aggregate: { type: 'object' },
                },
                additionalProperties: false,
              },
            },
          },
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  });
}
