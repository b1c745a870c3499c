import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll, YAML11_SCHEMA } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  MANIFESTS_DIR,
  renderChart,
  renderManifests,
  type RenderOptions,
} from '../../deploy/tools/render-chart.mjs';
import { loadConfig, ROLES } from '../../src/config/load-config.js';
import { schemaProblems, unknownFields, type Manifest } from './k8s-schema.js';

// The plain manifests (deploy/k8s) are the chart rendered for its defaults; both are checked
// against Kubernetes' schemas and against what Cordon reads and serves. Manifests are parsed
// as YAML 1.1, as Kubernetes parses them (so `on` would be a boolean here too).
const parse = (text: string): Manifest[] =>
  (loadAll(text, { schema: YAML11_SCHEMA }) as (Manifest | null)[]).filter(
    (d): d is Manifest => d !== null,
  );
const render = (options?: RenderOptions): Manifest[] =>
  renderChart(CHART_DIR, options).flatMap((t) => parse(t.text));

const shipped = readdirSync(MANIFESTS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => parse(readFileSync(join(MANIFESTS_DIR, f), 'utf8')));

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  startupProbe?: { httpGet: { path: string; port: string | number } };
  securityContext?: Record<string, any>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

const byKind = (docs: Manifest[], kind: string): any[] => docs.filter((d) => d.kind === kind);
const deploymentFor = (docs: Manifest[], role: string): any => {
  const found = byKind(docs, 'Deployment').filter((d) => {
    const c = d.spec.template.spec.containers[0] as Container;
    return c.env?.some((e) => e.name === 'CORDON_ROLES' && e.value === role);
  });
  expect(found, `one Deployment runs role ${role}`).toHaveLength(1);
  return found[0];
};
/** The environment a container gets: its env, then the ConfigMaps it loads (envFrom). */
const environment = (docs: Manifest[], c: Container): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (!from.configMapRef) continue;
    const cm = byKind(docs, 'ConfigMap').find((m) => m.metadata.name === from.configMapRef!.name);
    expect(cm, `ConfigMap ${from.configMapRef.name} is in the manifests`).toBeDefined();
    Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    // A Secret's value is not in the manifests: stand in a valid one.
    env[e.name] = e.value ?? (e.name === 'REDIS_URL' ? 'redis://redis.example:6379' : 'x');
  }
  return env;
};
const portNumber = (c: Container, port: string | number): number =>
  typeof port === 'number' ? port : c.ports!.find((p) => p.name === port)!.containerPort;

describe('deploy/k8s', () => {
  it('is the chart rendered for its default values (not stale)', () => {
    const expected = renderManifests(CHART_DIR);
    const files = readdirSync(MANIFESTS_DIR).sort();
    expect(files).toEqual(expected.map((m) => m.file).sort());
    for (const { file, text } of expected)
      expect(
        readFileSync(join(MANIFESTS_DIR, file), 'utf8'),
        `${file}: run node deploy/tools/render-chart.mjs`,
      ).toBe(text);
  });

  it("validates against Kubernetes' schemas, with no field Kubernetes does not know", () => {
    expect(shipped.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'ConfigMap/cordon-env',
      'Deployment/cordon-api',
      'Deployment/cordon-correlator',
      'Deployment/cordon-runner',
      'Deployment/cordon-worker',
      'HorizontalPodAutoscaler/cordon-correlator',
      'PodDisruptionBudget/cordon-api',
      'PodDisruptionBudget/cordon-correlator',
      'PodDisruptionBudget/cordon-runner',
      'PodDisruptionBudget/cordon-worker',
      'Service/cordon-api',
    ]);
    for (const doc of shipped)
      expect(schemaProblems(doc), `${doc.kind}/${doc.metadata.name}`).toEqual([]);
    expect(unknownFields(shipped)).toEqual([]);
  });

  it('the schema checks catch a wrong type and an unknown field', () => {
    const deployment = structuredClone(deploymentFor(shipped, 'worker'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'ninety';
    expect(schemaProblems(deployment).join()).toMatch(/containerPort must be integer/);
    const typo = structuredClone(deploymentFor(shipped, 'worker'));
    typo.spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/readyz';
    const problems = unknownFields([typo]);
    expect(problems.join()).toMatch(/'"paht"' does not exist in type 'IHTTPGetAction'/);
  });

  it.each(ROLES)(
    'runs role %s in a Deployment probed on the port that serves its probes',
    (role) => {
      const d = deploymentFor(shipped, role);
      const c = d.spec.template.spec.containers[0] as Container;
      const env = environment(shipped, c);
      // The settings are ones Cordon accepts, and say what the manifests assume.
      const config = loadConfig(env, '/app');
      expect(config.roles).toEqual([role]);
      expect(config.host).toBe('0.0.0.0');
      // An api process serves its probes on CORDON_PORT; the others on CORDON_OPS_PORT
      // (src/main.ts starts the ops app only without the api role).
      const probePort = role === 'api' ? config.port : config.opsPort;
      expect(probePort).toBeGreaterThan(0);
      expect(c.readinessProbe!.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe!.httpGet.path).toBe('/healthz');
      expect(c.startupProbe!.httpGet.path).toBe('/healthz');
      for (const probe of [c.readinessProbe!, c.livenessProbe!, c.startupProbe!])
        expect(portNumber(c, probe.httpGet.port)).toBe(probePort);
      // The image's entrypoint is the CLI; the chart runs its start command.
      expect(c.args).toEqual(['start']);
      // Labels select only this role's pods.
      expect(d.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
      for (const [k, v] of Object.entries(d.spec.selector.matchLabels))
        expect(d.spec.template.metadata.labels[k]).toBe(v);
      // Prometheus is pointed at the port serving this process's /metrics.
      expect(Number(d.spec.template.metadata.annotations['prometheus.io/port'])).toBe(probePort);
    },
  );

  it.each(ROLES)('runs role %s as non-root on a read-only root filesystem', (role) => {
    const d = deploymentFor(shipped, role);
    const pod = d.spec.template.spec;
    const c = pod.containers[0] as Container;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext!.runAsNonRoot).toBe(true);
    expect(c.securityContext!.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext!.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext!.capabilities.drop).toEqual(['ALL']);
    expect(pod.automountServiceAccountToken).toBe(false);
    // What Cordon may write (its home, temporary files) is on volumes, not the root filesystem.
    const config = loadConfig(environment(shipped, c), '/app');
    const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
    expect(mounts).toContain(config.homeDir);
    expect(mounts).toContain('/tmp');
  });

  it.each(ROLES)('gives role %s REDIS_URL and the principals from a Secret', (role) => {
    const d = deploymentFor(shipped, role);
    const pod = d.spec.template.spec;
    const c = pod.containers[0] as Container;
    const redis = c.env!.find((e) => e.name === 'REDIS_URL')!;
    expect(redis.value).toBeUndefined();
    expect(redis.valueFrom.secretKeyRef).toEqual({ name: 'cordon', key: 'redis-url' });
    // CORDON_TOKENS_FILE is a file of a mounted Secret volume.
    const config = loadConfig(environment(shipped, c), '/app');
    const mount = c.volumeMounts!.find((m) => config.tokensFile.startsWith(`${m.mountPath}/`))!;
    expect(mount.readOnly).toBe(true);
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    expect(volume.secret.secretName).toBe('cordon');
    const file = config.tokensFile.slice(mount.mountPath.length + 1);
    expect(volume.secret.items).toContainEqual({ key: 'tokens.json', path: file });
  });

  it('names only environment variables that Cordon reads', () => {
    const source = readFileSync('src/config/load-config.ts', 'utf8');
    const names = new Set<string>();
    for (const d of byKind(shipped, 'Deployment'))
      for (const e of (d.spec.template.spec.containers[0] as Container).env ?? [])
        names.add(e.name);
    for (const cm of byKind(shipped, 'ConfigMap'))
      for (const k of Object.keys(cm.data)) names.add(k);
    const values = load(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as any;
    for (const k of Object.keys(values.env)) names.add(k);
    expect(names.size).toBeGreaterThan(8);
    for (const name of names)
      expect(source, `${name} is read by load-config.ts`).toContain(`'${name}'`);
  });

  it('serves the API and the console through a Service selecting the api pods only', () => {
    const [service] = byKind(shipped, 'Service');
    const api = deploymentFor(shipped, 'api');
    const c = api.spec.template.spec.containers[0] as Container;
    const config = loadConfig(environment(shipped, c), '/app');
    const selects = (labels: Record<string, string>): boolean =>
      Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v);
    expect(selects(api.spec.template.metadata.labels)).toBe(true);
    for (const role of ROLES.filter((r) => r !== 'api'))
      expect(selects(deploymentFor(shipped, role).spec.template.metadata.labels)).toBe(false);
    const targets = service.spec.ports.map((p: any) => portNumber(c, p.targetPort));
    expect(targets.sort()).toEqual([config.port, config.consolePort].sort());
  });

  it('lets node drains take one pod of each role at a time', () => {
    const budgets = byKind(shipped, 'PodDisruptionBudget');
    for (const role of ROLES) {
      const d = deploymentFor(shipped, role);
      const selecting = budgets.filter((b) =>
        Object.entries(b.spec.selector.matchLabels).every(
          ([k, v]) => d.spec.template.metadata.labels[k] === v,
        ),
      );
      expect(selecting, `one budget covers the ${role} pods`).toHaveLength(1);
      expect(selecting[0].spec.maxUnavailable).toBe(1);
    }
  });

  it('scales the correlator Deployment on its lag metric, and leaves its count to the autoscaler', () => {
    const [hpa] = byKind(shipped, 'HorizontalPodAutoscaler');
    const correlator = deploymentFor(shipped, 'correlator');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: correlator.metadata.name,
    });
    const [metric] = hpa.spec.metrics;
    expect(metric.type).toBe('Pods');
    expect(metric.pods.target.type).toBe('AverageValue');
    // The metric is one the correlator exports (README "Metrics").
    const correlatorSource = readFileSync('src/correlate/correlator.ts', 'utf8');
    expect(correlatorSource).toContain(`'${metric.pods.metric.name}'`);
    expect(metric.pods.metric.name).toBe('cordon_correlator_lag_entries');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    // More correlators than state partitions would hold none.
    const env = environment(shipped, correlator.spec.template.spec.containers[0]);
    expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(loadConfig(env, '/app').correlate.partitions);
    expect(correlator.spec.replicas).toBeUndefined();
    for (const role of ROLES.filter((r) => r !== 'correlator'))
      expect(deploymentFor(shipped, role).spec.replicas).toBeGreaterThanOrEqual(1);
  });
});

describe('the Helm chart with other values', () => {
  const custom = render({
    releaseName: 'soc',
    values: {
      image: { repository: 'registry.example/cordon', tag: '9.9.9' },
      secret: {
        name: 'soc-cordon',
        create: true,
        redisUrl: 'rediss://:pw@redis:6380',
        tokensJson: '{"principals":[]}',
      },
      content: {
        configMaps: {
          correlations: 'soc-rules',
          playbooks: 'soc-playbooks',
          connectors: 'soc-connectors',
        },
      },
      autoscaling: { correlator: { enabled: false } },
      roles: { correlator: { replicas: 3 } },
      ports: { console: 0 },
      extraEnvFrom: [{ secretRef: { name: 'connector-secrets' } }],
      env: { CORDON_LOG_LEVEL: 'debug' },
    },
  });

  it('renders manifests that validate', () => {
    for (const doc of custom)
      expect(schemaProblems(doc), `${doc.kind}/${doc.metadata.name}`).toEqual([]);
    expect(unknownFields(custom)).toEqual([]);
    expect(custom.map((d) => d.metadata.name)).toContain('soc-cordon-api');
  });

  it('creates the Secret, mounts content ConfigMaps, and fixes the correlator count without an autoscaler', () => {
    const secret = byKind(custom, 'Secret')[0];
    expect(secret.metadata.name).toBe('soc-cordon');
    expect(secret.stringData['redis-url']).toBe('rediss://:pw@redis:6380');
    expect(byKind(custom, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(deploymentFor(custom, 'correlator').spec.replicas).toBe(3);
    for (const role of ROLES) {
      const d = deploymentFor(custom, role);
      const pod = d.spec.template.spec;
      const c = pod.containers[0] as Container;
      expect(c.image).toBe('registry.example/cordon:9.9.9');
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'connector-secrets' } });
      const config = loadConfig(environment(custom, c), '/app');
      expect(config.logLevel).toBe('debug');
      // Each content folder is a ConfigMap mounted under CORDON_CONTENT_DIR.
      for (const [folder, name] of [
        ['correlations', 'soc-rules'],
        ['playbooks', 'soc-playbooks'],
        ['connectors', 'soc-connectors'],
      ]) {
        const mount = c.volumeMounts!.find(
          (m) => m.mountPath === join(config.contentDir, folder!),
        )!;
        expect(mount, `${role} mounts ${folder}`).toBeDefined();
        expect(pod.volumes.find((v: any) => v.name === mount.name).configMap.name).toBe(name);
      }
    }
  });

  it('drops the console port from the api pods and the Service when it is 0', () => {
    const c = deploymentFor(custom, 'api').spec.template.spec.containers[0] as Container;
    expect(c.ports!.map((p) => p.name)).toEqual(['http']);
    expect(byKind(custom, 'Service')[0].spec.ports.map((p: any) => p.name)).toEqual(['http']);
    expect(loadConfig(environment(custom, c), '/app').consolePort).toBe(0);
  });

  it('refuses secret.create without a Redis URL, naming the value to set', () => {
    expect(() => render({ values: { secret: { create: true, tokensJson: '{}' } } })).toThrow(
      /templates\/secret\.yaml:\d+: secret\.redisUrl is required with secret\.create: true/,
    );
  });
});
