import { resolve } from 'node:path';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import ts from 'typescript';

/**
 * Kubernetes' own schemas, from kubernetes-models (generated from the Kubernetes OpenAPI
 * document; its validators are ajv's compiled JSON Schema checks). Those schemas, like the API
 * server's OpenAPI, allow unknown fields, which the API server then rejects (kubectl's default
 * field validation is Strict): so `unknownFields` adds that check, with the TypeScript
 * interfaces the same package generates from the same document (an object literal with a
 * property its type lacks is a compile error).
 */
const KINDS = {
  'v1/ConfigMap': {
    model: ConfigMap,
    module: 'kubernetes-models/v1/ConfigMap',
    type: 'IConfigMap',
  },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/Deployment': {
    model: Deployment,
    module: 'kubernetes-models/apps/v1/Deployment',
    type: 'IDeployment',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
} as const;

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

function kindOf(doc: Manifest): (typeof KINDS)[keyof typeof KINDS] {
  const entry = KINDS[`${doc.apiVersion}/${doc.kind}` as keyof typeof KINDS];
  if (!entry) throw new Error(`no schema here for ${doc.apiVersion} ${doc.kind}`);
  return entry;
}

/** Schema problems of one manifest ([] when valid), each with its JSON path. */
export function schemaProblems(doc: Manifest): string[] {
  const { model } = kindOf(doc);
  try {
    new model(doc).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** Fields no Kubernetes type has, found as TypeScript excess-property errors. */
export function unknownFields(docs: readonly Manifest[]): string[] {
  const file = resolve('test/deploy/__manifests__.ts');
  const source = docs
    .map((doc, i) => {
      const { module, type } = kindOf(doc);
      return `import type { ${type} as T${i} } from '${module}';\nexport const m${i}: T${i} = ${JSON.stringify(doc, null, 2)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2020.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    resolve(name) === file
      ? ts.createSourceFile(name, source, version)
      : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const line = where ? source.split('\n')[where.line]?.trim() : '';
    return `${text} (at ${line})`;
  });
}
