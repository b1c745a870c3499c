import { distinctFeature } from './feature-kind.js';

export const newRegions = distinctFeature(
  'new_regions',
  'entity.geo.region',
  'regions in the window the group was not seen in before (its last 64 remembered)',
  true,
);
