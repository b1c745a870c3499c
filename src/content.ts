import { resolve } from 'node:path';
import {
  actionConnectorRoutes,
  disabledActionConnectors,
  enabledActionConnectors,
} from './actions/connectors/disabled-connectors.js';
import { connectorType } from './actions/connectors/registry.js';
import { buildConnectorSet, type ConnectorDefinition } from './config/connectors.js';
import { buildRuleSet, loadRuleSources } from './correlate/rule/index.js';
import type { RuleSource } from './correlate/rule/index.js';
import type { CompiledRuleSet } from './correlate/rule/types.js';
import type { CompiledPlaybook } from './playbook/definition/compile-playbook.js';
import type { Diagnostic } from './shared/diagnostics.js';
import { hasErrors } from './shared/diagnostics.js';
import { DefinitionError } from './shared/errors.js';
import { readYamlFiles, type YamlSource } from './shared/yaml-files.js';

/** Everything an installation defines in YAML: rules, connectors and playbooks. */
export interface Content {
  readonly rules: CompiledRuleSet;
  /** The rule files the rules were built from (replay workers build their own copy). */
  readonly ruleSources: readonly RuleSource[];
  readonly connectors: readonly ConnectorDefinition[];
  readonly playbooks: readonly CompiledPlaybook[];
  /** Rule name or id → the rule key incidents carry, so triggers may name either. */
  readonly ruleKeys: ReadonlyMap<string, string>;
  /** Warnings (errors make loading fail). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads and validates `correlations/`, `connectors/` and `playbooks/` under `dir`, reporting
 * every problem of every file together. Playbooks are checked against the rules that trigger
 * them and the connectors they act on. `playbooks: false` (an offline replay of the rules)
 * neither reads nor loads them: they cannot change what the rules find.
 */
export async function loadContent(
  dir: string,
  options: {
    readonly playbooks?: boolean;
    /** Action connectors to load as if `enabled: true` (playbook tests' `connectors:`). */
    readonly enable?: readonly string[];
    /** With `enable`: every other outbound (HTTP) action connector loads as disabled. */
    readonly only?: boolean;
  } = {},
): Promise<{ content: Content | undefined; diagnostics: Diagnostic[] }> {
  const withPlaybooks = options.playbooks !== false;
  const [ruleSources, connectorSources, playbookSources] = await Promise.all([
    loadRuleSources(resolve(dir, 'correlations')),
    readYamlFiles(resolve(dir, 'connectors')),
    withPlaybooks ? readYamlFiles(resolve(dir, 'playbooks')) : [],
  ]);
  const rules = buildRuleSet(ruleSources);
  const connectors = enableConnectors(
    buildConnectorSet(connectorSources),
    options.enable ?? [],
    options.only === true,
  );
  const triggers = rules.ruleSet ? incidentRules(rules.ruleSet) : undefined;
  const playbooks = withPlaybooks
    ? await buildPlaybookFiles(
        playbookSources,
        connectors.connectors,
        triggers,
        rules.ruleSet ? ruleTagsOf(rules.ruleSet) : undefined,
      )
    : { playbooks: [], diagnostics: [] };
  const diagnostics = [...rules.diagnostics, ...connectors.diagnostics, ...playbooks.diagnostics];
  if (hasErrors(diagnostics) || !rules.ruleSet || !playbooks.playbooks) {
    return { content: undefined, diagnostics };
  }
  return {
    content: {
      rules: rules.ruleSet,
      ruleSources,
      connectors: connectors.connectors,
      playbooks: playbooks.playbooks,
      ruleKeys: ruleKeysOf(rules.ruleSet),
      diagnostics,
    },
    diagnostics,
  };
}

/**
 * Builds the playbooks, loading the playbook modules only now: the language and its runtime
 * take a while to load, and an offline replay of the rules does without them.
 */
async function buildPlaybookFiles(
  sources: readonly YamlSource[],
  connectors: readonly ConnectorDefinition[],
  rules: ReadonlyMap<string, readonly string[]> | undefined,
  ruleTags: ReadonlyMap<string, readonly string[]> | undefined,
): Promise<{ playbooks?: readonly CompiledPlaybook[]; diagnostics: readonly Diagnostic[] }> {
  const [{ buildPlaybooks }, { isPlaybookTestFile }] = await Promise.all([
    import('./playbook/definition/build-playbooks.js'),
    import('./playbook/tooling/playbook-tests.js'),
  ]);
  // Playbook tests (`<id>.test.yaml`) live beside the playbooks; they are not playbooks.
  return buildPlaybooks(
    sources.filter((s) => !isPlaybookTestFile(s.file)),
    {
      // Disabled instances (enabled: false) are validated but offer nothing to playbooks; a
      // playbook naming one is told how to enable it.
      connectors: enabledActionConnectors(connectors),
      disabledConnectors: disabledActionConnectors(connectors),
      routes: actionConnectorRoutes(connectors),
      rules,
      // What on.tags and on.source are checked against (a filter nothing can meet is refused).
      ...(ruleTags ? { ruleTags } : {}),
      sources: connectors.filter((c) => c.kind === 'source').map((c) => c.name),
    },
  );
}

/**
 * The connector set with the named action connectors switched on; with `only`, every other
 * outbound (HTTP) one switched off (the built-in limiter and case store stay as written).
 */
function enableConnectors(
  set: ReturnType<typeof buildConnectorSet>,
  names: readonly string[],
  only: boolean,
): ReturnType<typeof buildConnectorSet> {
  if (names.length === 0 && !only) return set;
  const connectors = set.connectors.map((c) => {
    if (!c.action) return c;
    if (names.includes(c.name)) return { ...c, action: { ...c.action, enabled: true } };
    if (only && connectorType(c.action.type)?.http === true)
      return { ...c, action: { ...c.action, enabled: false } };
    return c;
  });
  return { connectors, diagnostics: set.diagnostics };
}

export async function loadContentOrThrow(
  dir: string,
  options: { readonly enable?: readonly string[] } = {},
): Promise<Content> {
  const { content, diagnostics } = await loadContent(dir, options);
  if (!content) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    throw new DefinitionError(
      'CORDON_ERR_DEFINITION_INVALID',
      `${errors.length} error(s) in correlations/, connectors/ or playbooks/ under ${dir}:`,
      errors,
    );
  }
  return content;
}

/** Rules that open incidents (and so can trigger playbooks) → their group-by field names. */
function incidentRules(rules: CompiledRuleSet): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const d of rules.detections.values()) {
    if (!d.alerts) continue;
    const fields = d.groupBy?.map((g) => g.name) ?? [];
    for (const k of [d.key, d.name, d.id]) if (k) out.set(k, fields);
  }
  for (const c of rules.correlations) {
    if (!c.alerts) continue;
    for (const k of [c.key, c.name, c.id])
      if (k)
        out.set(
          k,
          c.groupBy.map((g) => g.name),
        );
  }
  return out;
}

/** Rules that open incidents → their tags (an incident carries its rule's tags). */
function ruleTagsOf(rules: CompiledRuleSet): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const r of [...rules.detections.values(), ...rules.correlations]) {
    if (!r.alerts) continue;
    for (const k of [r.key, r.name, r.id]) if (k) out.set(k, r.tags);
  }
  return out;
}

function ruleKeysOf(rules: CompiledRuleSet): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of [...rules.detections.values(), ...rules.correlations]) {
    for (const k of [r.key, r.name, r.id]) if (k) out.set(k, r.key);
  }
  return out;
}
