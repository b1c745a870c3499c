// BullMQ's CommonJS build (the one `import 'bullmq'` loads) ships no types for these files;
// their ESM twins' declarations say the same. Used by redis-scripts.ts (a script of ours that
// adds a job with BullMQ's own script) and playbook/runtime/queued-job.ts (its version check).
declare module 'bullmq/dist/cjs/scripts/addStandardJob-9.js' {
  export const addStandardJob: { name: string; content: string; keys: number };
}
declare module 'bullmq/dist/cjs/version.js' {
  export const version: string;
}
