export { isPipelineFile, parsePipelineSources } from './parse-pipeline.js';
export type { ParsedPipelines } from './parse-pipeline.js';
export { NO_PIPELINE, firstFailure, pipelineForRule } from './rule-pipeline.js';
export type {
  AddedCondition,
  MappedField,
  PipelineFailure,
  RulePipeline,
} from './rule-pipeline.js';
export type { Logsource, Pipeline, RuleFacts } from './types.js';
