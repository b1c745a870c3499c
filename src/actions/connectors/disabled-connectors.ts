import type { ConnectorDefinition } from '../../config/connectors.js';
import type { DisabledConnector } from '../../playbook/definition/types.js';
import { instanceSecrets } from './executor-table.js';
import { connectorRoutes, type ConnectorRoutes } from './route/routes.js';

/** The route connectors (type route), resolved over the instances as they are enabled. */
export function actionConnectorRoutes(defs: readonly ConnectorDefinition[]): ConnectorRoutes {
  return connectorRoutes(defs);
}

/** Enabled action connectors by name → type: what playbooks may act on. */
export function enabledActionConnectors(defs: readonly ConnectorDefinition[]): Map<string, string> {
  return new Map(
    defs
      .filter((c) => c.kind === 'action' && c.action?.enabled !== false)
      .map((c) => [c.name, c.type]),
  );
}

/**
 * Action connectors written with `enabled: false`, with the secrets each needs once enabled,
 * so a playbook naming one is told how to switch it on rather than that it does not exist.
 */
export function disabledActionConnectors(
  defs: readonly ConnectorDefinition[],
): Map<string, DisabledConnector> {
  const out = new Map<string, DisabledConnector>();
  for (const c of defs) {
    if (c.kind !== 'action' || !c.action || c.action.enabled) continue;
    const secrets = instanceSecrets(c.action).map((ref) =>
      'env' in ref ? `env ${ref.env}` : `file ${ref.file}`,
    );
    out.set(c.name, { type: c.type, secrets: [...new Set(secrets)] });
  }
  return out;
}

/** How to enable a disabled connector, for messages (never a secret value: names only). */
export function enableHint(name: string, d: DisabledConnector): string {
  const secrets = d.secrets.length > 0 ? ` and provide its secrets (${d.secrets.join(', ')})` : '';
  return `Connector "${name}" (type ${d.type}) is disabled (enabled: false in connectors/). Set enabled: true in its file${secrets}, then restart Cordon.`;
}

/**
 * The disabled connectors a playbook definition's action states (and their undos) name, at
 * any depth (parallel branches included), in first-seen order.
 */
export function disabledConnectorsUsed(
  definition: unknown,
  disabled: ReadonlyMap<string, DisabledConnector>,
): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (typeof o.connector === 'string' && disabled.has(o.connector)) found.add(o.connector);
    // Inputs are data (an http.request body may say "connector"), not what the state acts on.
    for (const [key, x] of Object.entries(o)) if (key !== 'inputs' && key !== 'undoInputs') walk(x);
  };
  walk(definition);
  return [...found];
}
