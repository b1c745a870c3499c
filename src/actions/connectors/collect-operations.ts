import type { OperationSpec } from '../operations.js';
import type { ConnectorType } from './connector-type.js';

/**
 * Merges the operations of every type into one table: name → contract + the types offering
 * it. Types sharing a name must share its contract (same inputs), so a playbook can switch
 * connector without changing its `with:`.
 */
export function collectOperations(types: readonly ConnectorType[]): Record<string, OperationSpec> {
  const out: Record<string, OperationSpec> = {};
  for (const t of types) {
    for (const [name, op] of Object.entries(t.operations)) {
      const prior = out[name];
      if (!prior) {
        out[name] = { ...op.contract, name, connectorTypes: [t.type] };
        continue;
      }
      if (JSON.stringify(prior.inputs) !== JSON.stringify(op.contract.inputs))
        throw new Error(
          `Connector type ${t.type} implements ${name} with other inputs than ${prior.connectorTypes.join(', ')}.`,
        );
      out[name] = { ...prior, connectorTypes: [...prior.connectorTypes, t.type] };
    }
  }
  return out;
}
