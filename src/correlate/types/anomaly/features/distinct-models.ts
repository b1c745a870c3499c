import { distinctFeature } from './feature-kind.js';

export const distinctModels = distinctFeature(
  'distinct_models',
  'entity.model',
  'distinct models called in the window',
  false,
);
