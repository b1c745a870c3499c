/** Helpers shared by the identity source kinds (okta, entra, cloudtrail, ocsf). */
export { parseBody } from './body.js';
export type { Body } from './body.js';
export { Fields } from './fields.js';
export { EventMaps } from './labels.js';
export { snakeCase } from '../../normalizers/label-key.js';
export { readIpValue } from './ip-field.js';
export { isNoAddress } from '../../normalizers/no-address.js';
export { finishEvent, readRfc3339Value } from './finish.js';
