import type { DropInSetupRoute } from './protocol.js';

/**
 * What Elasticsearch shippers ask of a cluster once connected, before they send: Filebeat and
 * the other Beats load their index template and lifecycle policy (`setup.template`,
 * `setup.ilm`, on by default) and treat a failure as a failed connection, so they never send;
 * Logstash checks the licence and its template. Cordon keeps no indices: it answers that each
 * template, policy, data stream and pipeline exists, and acknowledges a write of one without
 * keeping it, so a shipper pointed at Cordon runs with its defaults. Its events are read as
 * `elastic-bulk` reads them, whatever a template or pipeline says.
 */
const KINDS: readonly {
  readonly path: string;
  readonly operation: string;
  readonly what: string;
  readonly existing: (name: string) => unknown;
}[] = [
  {
    path: '/_index_template/:name',
    operation: 'IndexTemplate',
    what: 'an index template',
    existing: (name) => ({
      index_templates: [
        { name, index_template: { index_patterns: [`${name}*`], composed_of: [], template: {} } },
      ],
    }),
  },
  {
    path: '/_template/:name',
    operation: 'LegacyTemplate',
    what: 'a legacy index template',
    existing: (name) => ({
      [name]: { order: 0, index_patterns: [`${name}*`], settings: {}, mappings: {}, aliases: {} },
    }),
  },
  {
    path: '/_component_template/:name',
    operation: 'ComponentTemplate',
    what: 'a component template',
    existing: (name) => ({ component_templates: [{ name, component_template: { template: {} } }] }),
  },
  {
    path: '/_ilm/policy/:name',
    operation: 'LifecyclePolicy',
    what: 'an index lifecycle policy',
    existing: (name) => ({ [name]: { version: 1, policy: { phases: {} } } }),
  },
  {
    path: '/_data_stream/:name',
    operation: 'DataStream',
    what: 'a data stream',
    existing: (name) => ({
      data_streams: [
        {
          name,
          timestamp_field: { name: '@timestamp' },
          indices: [],
          generation: 1,
          status: 'GREEN',
          template: name,
        },
      ],
    }),
  },
  {
    // Filebeat 7 bootstraps its rollover alias unless it finds one (HEAD /_alias/<name>).
    path: '/_alias/:name',
    operation: 'Alias',
    what: 'an index alias',
    existing: (name) => ({ [`${name}-000001`]: { aliases: { [name]: { is_write_index: true } } } }),
  },
  {
    path: '/_ingest/pipeline/:name',
    operation: 'IngestPipeline',
    what: 'an ingest pipeline',
    existing: (name) => ({
      [name]: { description: 'Acknowledged by Cordon; not run.', processors: [] },
    }),
  },
];

const LICENSE = { status: 'active', type: 'basic', mode: 'basic', uid: 'cordon' };

export const ELASTIC_SETUP_ROUTES: readonly DropInSetupRoute[] = [
  {
    method: 'GET',
    path: '/_license',
    operation: 'elasticsearchLicense',
    summary: 'Elasticsearch licence, as Logstash and the Beats check it: an active basic one',
    answer: () => ({ status: 200, body: { license: LICENSE } }),
  },
  {
    method: 'GET',
    path: '/_xpack',
    operation: 'elasticsearchXpack',
    summary: 'Elasticsearch features, as the Beats check them before lifecycle setup',
    answer: () => ({
      status: 200,
      body: {
        license: LICENSE,
        features: { ilm: { available: true, enabled: true } },
      },
    }),
  },
  ...KINDS.flatMap((kind): DropInSetupRoute[] => [
    {
      method: 'GET',
      path: kind.path,
      operation: `elasticsearchGet${kind.operation}`,
      // HEAD too (Fastify answers HEAD for every GET route): what the Beats ask first.
      summary: `Says ${kind.what} exists (Cordon keeps none), so shippers do not stop on it`,
      answer: (name) => ({ status: 200, body: kind.existing(name) }),
    },
    {
      method: 'PUT',
      path: kind.path,
      operation: `elasticsearchPut${kind.operation}`,
      summary: `Acknowledges ${kind.what} without keeping it`,
      answer: () => ({ status: 200, body: { acknowledged: true } }),
    },
  ]),
];
