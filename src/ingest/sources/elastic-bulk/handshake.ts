import type { HandshakeReply, HandshakeRequest } from '../source-kind.js';

/** The Elasticsearch version Cordon answers as: shippers check the major before sending. */
export const ANSWERED_ES_VERSION = '8.11.0';

/**
 * Beats, Logstash and the Elasticsearch clients first `GET /` the cluster and refuse to ship
 * unless it looks like Elasticsearch (a version, and since 7.14 the `X-Elastic-Product`
 * header). Any GET or HEAD gets that answer; deliveries are POSTs and go to normalise.
 */
export function elasticInfoHandshake(request: HandshakeRequest): HandshakeReply | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  return {
    status: 200,
    headers: { 'x-elastic-product': 'Elasticsearch' },
    body: {
      name: 'cordon',
      cluster_name: 'cordon',
      version: {
        number: ANSWERED_ES_VERSION,
        build_flavor: 'default',
        lucene_version: '9.8.0',
        minimum_wire_compatibility_version: '7.17.0',
        minimum_index_compatibility_version: '7.0.0',
      },
      tagline: 'You Know, for Search',
    },
  };
}
