import { distinctFeature } from './feature-kind.js';

export const distinctEndpoints = distinctFeature(
  'distinct_endpoints',
  'entity.endpoint',
  'distinct endpoints called in the window',
  false,
);
