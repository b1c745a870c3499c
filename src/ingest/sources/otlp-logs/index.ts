export { otlpLogsKind } from './kind.js';
export { otlpExportResponse } from './export-response.js';
export type { OtlpExportReply } from './export-response.js';
