import { CordonError } from '../../../shared/errors.js';
import { OutboundClient, type OutboundRequest } from '../../http/outbound-client.js';
import { defineConnectorType, text } from '../connector-type.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Headers a playbook may not set: the instance's auth and hop-by-hop headers win. */
const RESERVED =
  /^(authorization|host|content-length|connection|transfer-encoding|cookie|proxy-.*)$/i;

/**
 * Generic HTTP within the instance's allow_hosts: a templated URL can only reach the hosts the
 * connector's owner listed, with the instance's auth, timeout, retry and pacing.
 */
export const httpRequest = defineConnectorType<OutboundClient>({
  type: 'http',
  description: 'Generic HTTP requests to allow-listed hosts.',
  http: true,
  urlRequired: false,
  exampleUrl: 'https://api.example.com',
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'http.request': {
      contract: {
        name: 'http.request',
        description: "Send an HTTP request to a host in the connector's allow_hosts.",
        mutating: true,
        inputs: {
          method: {
            type: 'string',
            required: true,
            description: 'GET, POST, PUT, PATCH or DELETE.',
          },
          url: {
            type: 'string',
            required: true,
            description: 'A path under the connector url, or an absolute URL on an allowed host.',
          },
          body: { type: 'json', required: false, description: 'JSON body.' },
          headers: {
            type: 'json',
            required: false,
            description: 'Extra headers (a mapping of strings); auth headers cannot be overridden.',
          },
        },
      },
      idempotency:
        'Ledger: a retried job returns the first result. GET/PUT/DELETE are retried on 5xx and network errors; POST/PATCH only on 408/425/429.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const method = text(inputs.method).toUpperCase() as OutboundRequest['method'];
        if (!METHODS.includes(method))
          throw new CordonError(
            'CORDON_ERR_ACTION_INPUT',
            `http.request method must be one of ${METHODS.join(', ')}; got "${text(inputs.method)}".`,
          );
        const headers: Record<string, string> = {};
        if (inputs.headers !== undefined) {
          if (
            typeof inputs.headers !== 'object' ||
            inputs.headers === null ||
            Array.isArray(inputs.headers)
          )
            throw new CordonError(
              'CORDON_ERR_ACTION_INPUT',
              'http.request headers must be a mapping of header names to strings.',
            );
          for (const [k, v] of Object.entries(inputs.headers)) {
            if (
              RESERVED.test(k) ||
              (client.instance.auth.scheme === 'header' &&
                k.toLowerCase() === client.instance.auth.name.toLowerCase())
            )
              throw new CordonError(
                'CORDON_ERR_ACTION_INPUT',
                `http.request may not set the "${k}" header; the connector's auth and the transport set it.`,
              );
            headers[k] = text(v);
          }
        }
        const res = await client.request(
          {
            method,
            path: text(inputs.url),
            headers,
            ...(inputs.body === undefined ? {} : { json: inputs.body }),
            idempotent: method === 'GET' || method === 'PUT' || method === 'DELETE',
          },
          ctx.signal,
        );
        return { status: res.status, body: res.body ?? res.text.slice(0, 4096) };
      },
    },
  },
});
