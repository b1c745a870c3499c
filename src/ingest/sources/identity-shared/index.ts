/** Helpers shared by the identity source kinds (okta, entra, cloudtrail, ocsf). */
export { parseBody, isNdjson } from './body.js';
export type { Body } from './body.js';
export { Fields } from './fields.js';
export { EventMaps, snakeCase } from './labels.js';
export { readIpValue, isNoAddress } from './ip-field.js';
export { finishEvent, readRfc3339Value } from './finish.js';
