import { distinctFeature } from './feature-kind.js';

export const newUserAgents = distinctFeature(
  'new_user_agents',
  'entity.user_agent',
  'user agents in the window the group was not seen with before (its last 64 remembered)',
  true,
);
