import { defineConnectorType } from '../connector-type.js';
import { compileRouteOptions } from './options.js';

/**
 * `type: route`: a name playbooks act through that stands for the first enabled instance of a
 * list sharing the route's operations (connectors/traffic.yaml: kong, litellm-proxy, then the
 * built-in gateway). It never acts itself: playbooks are validated against the connectors
 * enabled at load and each action state is bound to the concrete instance the route picks
 * (routes.ts), which is what the stored definition, its jobs and their undos carry.
 */
export const route = defineConnectorType<undefined>({
  type: 'route',
  description: 'Routes operations to the first enabled connector of a list.',
  http: false,
  options: { compile: (value, sink) => compileRouteOptions(value, sink) },
  create: () => undefined,
  operations: {},
});
