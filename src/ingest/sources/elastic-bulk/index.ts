export { elasticBulkKind } from './kind.js';
export { bulkResponse } from './bulk-response.js';
export type { BulkResponse, BulkItemResult } from './bulk-response.js';
export { elasticInfoHandshake } from './handshake.js';
export type { ElasticBulkOptions } from './options.js';
export { bulkActionsRead } from './read-actions.js';
export type { ReadActions } from './read-actions.js';
