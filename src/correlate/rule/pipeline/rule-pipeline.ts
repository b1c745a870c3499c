import { fieldPasses, itemPasses, linked, ruleConditionHolds } from './conditions.js';
import { closeEscape } from '../detection/wildcard.js';
import { isMapping } from '../../../shared/shape.js';
import type {
  CurrentItem,
  ItemValue,
  Logsource,
  Pipeline,
  PipelineItem,
  PipelineState,
  Progress,
  RuleFacts,
  Transformation,
  WrittenItem,
} from './types.js';

type Rename = Extract<Transformation, { kind: 'field' }>['rename'];
type Apply = Extract<Transformation, { kind: 'item' }>['apply'];

/**
 * Why a pipeline item refuses a rule (rule_failure, detection_item_failure,
 * strict_field_mapping_failure): the first one in the items' order wins, as pySigma stops at it.
 */
export interface PipelineFailure {
  readonly message: string;
  /** The item's label, for messages. */
  readonly by: string;
  /** Its transformation type. */
  readonly type: string;
  /** Its place among the items applied to the rule. */
  readonly at: number;
}

/** The one of two failures that comes first in the items' order. */
export function firstFailure(
  a: PipelineFailure | undefined,
  b: PipelineFailure | undefined,
): PipelineFailure | undefined {
  if (!a || !b) return a ?? b;
  return b.at < a.at ? b : a;
}

/** A detection item after the pipelines: one branch per field it became (OR), or none. */
export type ItemOutcome =
  /** A detection_item_failure or strict_field_mapping_failure item refuses it: the rule is skipped. */
  | ({ readonly kind: 'failed' } & PipelineFailure)
  | {
      readonly kind: 'branches';
      /** No branch: the item was dropped. `name` undefined: a keyword item. */
      readonly branches: readonly {
        readonly name: string | undefined;
        readonly values: readonly ItemValue[];
        /** Made by a split: any of its values, whatever the rule's all/neq modifiers said. */
        readonly plain?: boolean | undefined;
      }[];
      /** The items that renamed its field (for messages). */
      readonly by: readonly string[];
    };
type Replace = Extract<Transformation, { kind: 'placeholder' }>['replace'];

/** A field name after the pipelines, and the items that renamed it (for messages). */
export interface MappedField {
  readonly names: readonly string[];
  readonly by: readonly string[];
}

export type PlaceholderValues =
  | { readonly kind: 'values'; readonly values: readonly string[] }
  /** An item that handles the name (`by`) finds no var for it. */
  | { readonly kind: 'undefined-var'; readonly by: string }
  | { readonly kind: 'none' };

/** A search an add_condition item ANDs to the rule. */
export interface AddedCondition {
  readonly name: string | undefined;
  readonly search: Readonly<Record<string, unknown>>;
  readonly negated: boolean;
  readonly by: string;
  /** Its place among the rule's items: only renames after it rename its fields. */
  readonly at: number;
}

/** What the processing pipelines do to one rule, worked out before the rule is validated. */
export interface RulePipeline {
  /** The logsource after change_logsource items, when one changed it. */
  readonly logsource: Logsource | undefined;
  readonly logsourceChangedBy: string | undefined;
  /** The first rule_failure item that selects the rule. */
  readonly failure: PipelineFailure | undefined;
  /** Searches add_condition items AND to the rule, in order. */
  readonly added: readonly AddedCondition[];
  /** `after`: only the renames that come after that place (an added condition's `at`). */
  mapField(name: string, after?: number): MappedField;
  /**
   * A detection item (`field` undefined for keywords) through the renames and the
   * detection-item transformations, in their order; `after` as for mapField.
   */
  processItem(field: string | undefined, values: readonly ItemValue[], after?: number): ItemOutcome;
  /**
   * A placeholder's values as Sigma text, or why there are none; `after` as for mapField (an
   * added condition's placeholders are expanded only by the items after it).
   */
  placeholder(name: string, after?: number): PlaceholderValues;
}

export const NO_PIPELINE: RulePipeline = {
  logsource: undefined,
  logsourceChangedBy: undefined,
  failure: undefined,
  added: [],
  mapField: (name) => ({ names: [name], by: [] }),
  processItem: (name, values) => ({ kind: 'branches', branches: [{ name, values }], by: [] }),
  placeholder: () => ({ kind: 'none' }),
};

/**
 * The view of `pipelines` for a rule with `logsource`, as pySigma applies them: items in
 * order (pipelines by priority), each selected by its rule conditions against the logsource,
 * the items applied and the state as earlier items left them. A correlation rule has no
 * logsource: a logsource condition never holds for it (its fields are renamed as each rule it
 * reads renames them, elsewhere). A rename or detection-item step keeps the state it was
 * reached with, which its processing_state field and item conditions read.
 */
export function pipelineForRule(pipelines: readonly Pipeline[], rule: RuleFacts): RulePipeline {
  if (pipelines.length === 0) return NO_PIPELINE;
  let current = rule.logsource;
  let changedBy: string | undefined;
  let failure: RulePipeline['failure'];
  // Replaced, never changed in place: each step keeps the state it was reached with.
  let state: PipelineState = new Map();
  const applied = new Set<string>();
  // On the rule itself in pySigma, so a nest's items share them (unlike the state).
  const custom = new Map<string, unknown>();
  const renames: {
    readonly item: PipelineItem;
    readonly rename: Rename;
    readonly at: number;
    readonly state: PipelineState;
  }[] = [];
  // Renames and detection-item transformations in order: an item sees its field as renamed so far.
  const steps: Step[] = [];
  const added: AddedCondition[] = [];
  let at = 0;
  const placeholders: { readonly label: string; readonly replace: Replace; readonly at: number }[] =
    [];
  // As pySigma adds pipelines: their vars merge, a later pipeline's winning.
  const vars = new Map(pipelines.flatMap((p) => [...p.vars]));
  // Which nest an item stands in: '' outside any, '/1', '/1/2' … (strict_field_mapping_failure
  // counts the renames of its own nest and of the nests that ended inside it, as pySigma's
  // nested pipeline starts its record of mapped fields afresh and hands it back at its end).
  let nests = 0;
  // The rule's written items (its own and the added conditions'), read once, when a
  // contains_field or contains_detection_item condition first asks, each then carried through
  // the steps as they come (a step applies to an item once, however many conditions ask).
  let tracked: { branches: readonly Branch[] | undefined; done: number; after: number }[] = [];
  let trackedOwn = false;
  let trackedAdded = 0;
  const track = (items: readonly WrittenItem[], after: number): void => {
    for (const w of items)
      tracked.push({
        branches: [{ name: w.field, applied: NONE, values: w.values }],
        done: 0,
        after,
      });
  };
  // The rule's detection items as the steps so far leave them (as pySigma's rule object is when
  // the item is reached), an added condition's through the steps after it.
  const currentItems = (): readonly CurrentItem[] => {
    if (!trackedOwn) {
      trackedOwn = true;
      const block = rule.attributes.detection;
      const searches = isMapping(block)
        ? Object.fromEntries(
            Object.entries(block).filter(([k]) => k !== 'condition' && k !== 'timeframe'),
          )
        : {};
      track(rule.itemsOf?.(searches) ?? [], 0);
    }
    // One search, under a name of its own.
    for (; trackedAdded < added.length; trackedAdded += 1) {
      const a = added[trackedAdded] as AddedCondition;
      track(rule.itemsOf?.({ added: a.search }) ?? [], a.at);
    }
    const out: CurrentItem[] = [];
    tracked = tracked.map((t) => {
      let branches = t.branches;
      for (let i = t.done; i < steps.length && branches; i += 1) {
        const step = steps[i] as Step;
        if (step.at <= t.after) continue;
        const next = advance(branches, step);
        // A refused item: the rule is skipped there (its failure is reported elsewhere).
        branches = 'kind' in next ? undefined : next;
      }
      for (const b of branches ?? []) out.push({ field: b.name, values: b.values });
      return { branches, done: steps.length, after: t.after };
    });
    return out;
  };
  // Renames and detection-item steps in order; `steps` holds only those before the item
  // being visited while the rule's items are selected, and all of them afterwards.
  const processItem: RulePipeline['processItem'] = (field, values, after = 0) => {
    let branches: readonly Branch[] = [{ name: field, applied: NONE, values }];
    const by: string[] = [];
    for (const step of steps) {
      if (step.at <= after) continue;
      const next = advance(branches, step, by);
      if ('kind' in next) return next;
      branches = next;
    }
    // One name reached twice with the same values is one branch.
    const unique = branches.filter(
      (b, i) => branches.findIndex((o) => o.name === b.name && o.values === b.values) === i,
    );
    return {
      kind: 'branches',
      branches: unique.map(({ name, values: v, plain }) => ({ name, values: v, plain })),
      by,
    };
  };

  // The rule's `fields` list, renamed as the detection items are, and by name the ids of the
  // renames that changed a name into it (processing_item_applied field conditions), as
  // pySigma's field_name_applied_ids tracks them.
  const ownFields = rule.attributes.fields;
  let fields: readonly string[] = (Array.isArray(ownFields) ? ownFields : [ownFields]).filter(
    (f): f is string => typeof f === 'string',
  );
  const fieldMarks = new Map<string, ReadonlySet<string>>();
  const visit = (items: readonly PipelineItem[], scope: string): void => {
    for (const item of items) {
      const progress = {
        applied,
        state,
        custom,
        items: currentItems,
        fields,
      };
      if (!selects(item, { ...rule, logsource: current }, progress)) continue;
      at += 1;
      const t = item.transformation;
      // pySigma marks the rule processed by every item that selects it, whatever it then does;
      // only add_condition leaves a correlation alone, unmarked.
      if (item.id !== undefined && !(t.kind === 'condition' && rule.correlation))
        applied.add(item.id);
      switch (t.kind) {
        case 'field':
          renames.push({ item, rename: t.rename, at, state });
          steps.push({ kind: 'rename', item, rename: t.rename, at, state, scope });
          fields = fields.flatMap((name) => {
            const marks = fieldMarks.get(name) ?? NONE;
            const to = fieldPasses(item.fieldFilter, name, marks, state)
              ? t.rename(name)
              : undefined;
            if (!to) return [name];
            // Marked only when the name changes.
            if (to.length !== 1 || to[0] !== name) {
              fieldMarks.delete(name);
              for (const n of to) fieldMarks.set(n, withId(marks, item.id));
            }
            return to;
          });
          break;
        case 'fields':
          fields = t.change(fields);
          break;
        case 'item':
          steps.push({ kind: 'item', item, apply: t.apply, at, state });
          break;
        case 'state':
          state = new Map([...state, [t.key, t.value]]);
          break;
        case 'custom':
          custom.set(t.attribute, t.value);
          break;
        case 'strict':
          // pySigma checks a rule's detection items only; a correlation has none.
          if (!rule.correlation) steps.push({ kind: 'strict', item, at, scope });
          break;
        case 'nest': {
          // pySigma runs the items as a pipeline of their own: a fresh state, whose keys then
          // join (and win over) the enclosing pipeline's.
          const enclosing = state;
          state = new Map();
          nests += 1;
          visit(t.items, `${scope}/${nests}`);
          state = new Map([...enclosing, ...state]);
          break;
        }
        case 'condition':
          added.push({
            name: t.name,
            search: t.template ? fillTemplate(t.search, current ?? {}) : t.search,
            negated: t.negated,
            by: item.label,
            at,
          });
          break;
        case 'logsource':
          current = t.change(current ?? {});
          changedBy = item.label;
          break;
        case 'placeholder':
          placeholders.push({ label: item.label, replace: t.replace, at });
          break;
        case 'failure':
          failure ??= { message: t.message, by: item.label, type: item.type, at };
          break;
      }
    }
  };
  for (const pipeline of pipelines) visit(pipeline.items, '');
  return {
    logsource: changedBy ? current : undefined,
    logsourceChangedBy: changedBy,
    failure,
    added,
    mapField(name, after = 0) {
      // Each name with the ids of the items that renamed it (processing_item_applied).
      let names: readonly { name: string; applied: ReadonlySet<string> }[] = [
        { name, applied: new Set() },
      ];
      const by: string[] = [];
      for (const { item, rename, at: renameAt, state: then } of renames) {
        if (renameAt <= after) continue;
        let renamed = false;
        names = names.flatMap((n) => {
          const to = fieldPasses(item.fieldFilter, n.name, n.applied, then)
            ? rename(n.name)
            : undefined;
          if (!to) return [n];
          renamed = true;
          const applied = item.id ? new Set([...n.applied, item.id]) : n.applied;
          return to.map((t) => ({ name: t, applied }));
        });
        if (renamed) by.push(item.label);
      }
      return { names: [...new Set(names.map((n) => n.name))], by };
    },
    processItem,
    placeholder(name, after = 0) {
      for (const { label, replace, at: itemAt } of placeholders) {
        if (itemAt <= after) continue;
        const values = replace(name, vars);
        if (values === 'missing') return { kind: 'undefined-var', by: label };
        if (values) return { kind: 'values', values: values.map(closeEscape) };
      }
      return { kind: 'none' };
    },
  };
}

/** A rename or detection-item transformation in the order the rule's items reach it. */
type Step =
  | {
      readonly kind: 'rename';
      readonly item: PipelineItem;
      readonly rename: Rename;
      readonly at: number;
      readonly state: PipelineState;
      readonly scope: string;
    }
  | {
      readonly kind: 'item';
      readonly item: PipelineItem;
      readonly apply: Apply;
      readonly at: number;
      readonly state: PipelineState;
    }
  | {
      readonly kind: 'strict';
      readonly item: PipelineItem;
      readonly at: number;
      readonly scope: string;
    };

/** One field a detection item has become (several: any of them), with what was applied to it. */
interface Branch {
  readonly name: string | undefined;
  readonly applied: ReadonlySet<string>;
  readonly values: readonly ItemValue[];
  readonly plain?: boolean;
  /** The nests (scopes) of the renames that took its field (strict_field_mapping_failure). */
  readonly mappedIn?: readonly string[];
}

const NONE: ReadonlySet<string> = new Set();

function withId(applied: ReadonlySet<string>, id: string | undefined): ReadonlySet<string> {
  return id ? new Set([...applied, id]) : applied;
}

/**
 * A detection item's branches after one step, or the failure that refuses it; `by` takes the
 * label of a rename that took one of its fields.
 */
function advance(
  branches: readonly Branch[],
  step: Step,
  by?: string[],
): readonly Branch[] | Extract<ItemOutcome, { kind: 'failed' }> {
  const { item } = step;
  if (step.kind === 'rename') {
    let renamed = false;
    const next = branches.flatMap((b) => {
      const to =
        b.name !== undefined && fieldPasses(item.fieldFilter, b.name, b.applied, step.state)
          ? step.rename(b.name)
          : undefined;
      if (!to) return [b];
      renamed = true;
      const applied = withId(b.applied, item.id);
      const mappedIn = [...(b.mappedIn ?? []), step.scope];
      return to.map((name) => ({ ...b, name, applied, mappedIn }));
    });
    if (renamed) by?.push(item.label);
    return next;
  }
  if (step.kind === 'strict') {
    const within = `${step.scope}/`;
    const unmapped = branches.find(
      (b) =>
        b.name !== undefined &&
        !(b.mappedIn ?? []).some((s) => s === step.scope || s.startsWith(within)),
    );
    return unmapped
      ? {
          kind: 'failed',
          message: `The following fields are not mapped: ${unmapped.name}`,
          by: item.label,
          type: item.type,
          at: step.at,
        }
      : branches;
  }
  const next: Branch[] = [];
  for (const b of branches) {
    const change =
      fieldPasses(item.fieldFilter, b.name, b.applied, step.state) &&
      itemPasses(item.itemFilter, b.values, b.applied, step.state)
        ? step.apply({ field: b.name, values: b.values, applied: b.applied })
        : undefined;
    if (!change) next.push(b);
    else if (change.kind === 'fail')
      return {
        kind: 'failed',
        message: change.message,
        by: item.label,
        type: item.type,
        at: step.at,
      };
    else if (change.kind === 'values')
      next.push({ ...b, applied: withId(b.applied, item.id), values: change.values });
    else if (change.kind === 'split') {
      const applied = withId(b.applied, item.id);
      for (const part of change.items)
        next.push({ name: part.field, applied, values: part.values, plain: true });
    }
  }
  return next;
}

/**
 * pySigma's templates, Python's string.Template.safe_substitute: `$category` / `${category}`
 * (and product, service) take the rule's logsource, "None" when it has none; `$$` is a `$`;
 * anything else is left as written.
 */
function fillTemplate(
  search: Readonly<Record<string, unknown>>,
  logsource: Logsource,
): Record<string, unknown> {
  const parts = new Set(['category', 'product', 'service']);
  const fill = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replace(
          /\$(?:(\$)|\{([_a-z][_a-z0-9]*)\}|([_a-z][_a-z0-9]*))/gi,
          (whole, dollar?: string, braced?: string, bare?: string) => {
            if (dollar) return '$';
            const name = braced ?? bare ?? '';
            return parts.has(name) ? (logsource[name as keyof Logsource] ?? 'None') : whole;
          },
        )
      : Array.isArray(v)
        ? v.map(fill)
        : v;
  return Object.fromEntries(Object.entries(search).map(([k, v]) => [k, fill(v)]));
}

function selects(item: PipelineItem, rule: RuleFacts, progress: Progress): boolean {
  // No rule conditions select every rule, rule_cond_not or not (pySigma's
  // `not self.rule_conditions or …`).
  if (item.ruleConditions.length === 0) return true;
  // pySigma decides a correlation's logsource conditions on the rules it reads; Cordon renames
  // a correlation's fields through those rules' own views instead, so an item selecting by
  // logsource (negated or not) leaves correlations alone.
  if (rule.correlation && item.ruleConditions.some((c) => c.kind === 'logsource')) return false;
  return linked(
    item.ruleConditions.map((c) => ruleConditionHolds(c, rule, progress)),
    item.ruleLinking,
  );
}
