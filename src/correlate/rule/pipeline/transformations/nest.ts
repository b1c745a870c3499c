import type { TransformationKind } from '../types.js';

/**
 * `nest`: a list of items applied in its place to the rules its own conditions select, so that
 * one set of rule conditions gates them all (pySigma's NestedProcessingTransformation). As in
 * pySigma the items run as a pipeline of their own: they start with an empty state, and the
 * keys they set then join the enclosing pipeline's. Unlike pySigma's nested pipeline, which
 * has no vars, placeholders inside take the enclosing pipelines' vars. An empty list does
 * nothing but mark the rules selected with the nest's id, as in pySigma.
 */
export const nest: TransformationKind = {
  type: 'nest',
  keys: ['items'],
  required: ['items'],
  schema: {
    items: {
      type: 'array',
      description: 'Transformations applied in its place, each with its own conditions.',
      items: { $ref: '#/properties/transformations/items' },
    },
  },
  renamesFields: false,
  parse(ctx, item) {
    const items = ctx.nested([...ctx.path, 'items'], item.items);
    return items ? { kind: 'nest', items } : undefined;
  },
};
