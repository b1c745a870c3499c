export { otlpLogsKind } from './kind.js';
