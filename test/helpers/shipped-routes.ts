import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectorRoutes,
  type ConnectorRoutes,
} from '../../src/actions/connectors/route/routes.js';
import { buildConnectorSet } from '../../src/config/connectors.js';

const DIR = new URL('../../connectors/', import.meta.url).pathname;

/**
 * The routes of the repository's connectors/ (traffic, tickets) as shipped: with nothing but
 * the built-ins enabled they pick gateway and cases, so tests that build the shipped playbooks
 * with a hand-made context resolve `connector: traffic` the way `cordon validate` does.
 */
export const SHIPPED_ROUTES: ConnectorRoutes = connectorRoutes(
  buildConnectorSet(
    readdirSync(DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => ({ file: `connectors/${f}`, text: readFileSync(join(DIR, f), 'utf8') })),
  ).connectors,
);
