import type { TransformationKind } from '../types.js';
import { addCondition } from './add-condition.js';
import { caseTransformation } from './case.js';
import { changeLogsource } from './change-logsource.js';
import { convertType } from './convert-type.js';
import { detectionItemFailure } from './detection-item-failure.js';
import { dropDetectionItem } from './drop-detection-item.js';
import { fieldNamePrefix, fieldNameSuffix } from './field-name-affix.js';
import { fieldNameMapping } from './field-name-mapping.js';
import { fieldNamePrefixMapping } from './field-name-prefix-mapping.js';
import { hashesFields } from './hashes-fields.js';
import { mapString } from './map-string.js';
import { nest } from './nest.js';
import { valuePlaceholders, wildcardPlaceholders } from './placeholders.js';
import { regexTransformation } from './regex.js';
import { replaceString } from './replace-string.js';
import { addField, removeField, setField } from './rule-fields.js';
import { ruleFailure } from './rule-failure.js';
import { setCustomAttribute } from './set-custom-attribute.js';
import { setState } from './set-state.js';
import { setValue } from './set-value.js';
import { strictFieldMappingFailure } from './strict-field-mapping-failure.js';

/** The pySigma transformation types Cordon implements, by their YAML `type`. */
export const TRANSFORMATIONS: ReadonlyMap<string, TransformationKind> = new Map(
  [
    fieldNameMapping,
    fieldNamePrefixMapping,
    fieldNamePrefix,
    fieldNameSuffix,
    changeLogsource,
    valuePlaceholders,
    wildcardPlaceholders,
    ruleFailure,
    addCondition,
    dropDetectionItem,
    detectionItemFailure,
    replaceString,
    mapString,
    setValue,
    caseTransformation,
    convertType,
    regexTransformation,
    hashesFields,
    setState,
    nest,
    setCustomAttribute,
    strictFieldMappingFailure,
    addField,
    removeField,
    setField,
  ].map((k) => [k.type, k]),
);

/**
 * pySigma types that exist but are not implemented here (reported as such, not as unknown):
 * most rewrite values or add conditions in ways a query backend needs and an evaluator does
 * differently.
 */
export const NOT_IMPLEMENTED: readonly string[] = [
  'field_name_transform',
  'query_expression_placeholders',
  'extract_fields',
  'file_placeholders',
  'http_placeholders',
  'command_placeholders',
];
