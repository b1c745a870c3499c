export { ecsKind } from './kind.js';
export { readEcsDocument } from './ecs-document.js';
export type { EcsEnvelope } from './ecs-document.js';
