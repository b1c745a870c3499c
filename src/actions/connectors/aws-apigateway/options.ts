import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { DiagnosticSink } from '../../../shared/yaml.js';
import { parseRate } from '../../rate.js';

/**
 * Usage-plan throttles are shared by every key of a plan, so one key is throttled by moving it
 * to a plan made for that (a "quarantine" plan). `throttle_plans` maps each limit a playbook
 * may ask for (`10/m`) to such a plan's id; `release_plan` is where a plain ratelimit.clear
 * (not an undo, which restores the recorded plans) puts the key back.
 */
export interface ApiGatewayOptions {
  readonly throttlePlans: Readonly<Record<string, string>>;
  readonly releasePlan?: string;
}

const PLAN_ID = /^[A-Za-z0-9]{1,64}$/;

export function compileApiGatewayOptions(
  value: unknown,
  sink: DiagnosticSink,
): ApiGatewayOptions | undefined {
  if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
  checkKeys(sink, ['options'], value, 'options', {
    optional: ['throttle_plans', 'release_plan'],
  });
  const throttlePlans: Record<string, string> = {};
  const plans = value.throttle_plans ?? {};
  if (expectMapping(sink, ['options', 'throttle_plans'], plans, 'options.throttle_plans')) {
    for (const [limit, plan] of Object.entries(plans)) {
      const rate = parseRate(limit);
      if (!rate.ok || rate.rate.mode === 'block')
        sink.error(
          ['options', 'throttle_plans', limit],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.throttle_plans keys are limits such as "10/m" (as playbooks write them); "${limit}" ${rate.ok ? 'is a block: use key.block, which disables the key' : rate.reason}.`,
        );
      else if (typeof plan !== 'string' || !PLAN_ID.test(plan))
        sink.error(
          ['options', 'throttle_plans', limit],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.throttle_plans.${limit} is a usage plan id (letters and digits, e.g. q1w2e3); got ${describe(plan)}.`,
        );
      else throttlePlans[normalLimit(limit)] = plan;
    }
  }
  const release = value.release_plan;
  if (release !== undefined && (typeof release !== 'string' || !PLAN_ID.test(release))) {
    sink.error(
      ['options', 'release_plan'],
      'CORDON_ERR_DEFINITION_VALUE',
      `options.release_plan is a usage plan id (letters and digits); got ${describe(release)}.`,
    );
    return undefined;
  }
  return { throttlePlans, ...(typeof release === 'string' ? { releasePlan: release } : {}) };
}

/** One spelling per rate (`10 / m` and `10/1m` are `10/60000`), so a lookup ignores spacing. */
export function normalLimit(limit: string): string {
  const r = parseRate(limit);
  return r.ok ? `${r.rate.count}/${r.rate.windowMs}` : limit;
}
