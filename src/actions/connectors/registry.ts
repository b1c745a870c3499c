import { awsApiGateway } from './aws-apigateway/index.js';
import { builtinCases } from './builtin-cases/index.js';
import { builtinLimiter } from './builtin-limiter/index.js';
import type { ConnectorType } from './connector-type.js';
import { github } from './github/index.js';
import { httpRequest } from './http-request/index.js';
import { jira } from './jira/index.js';
import { kong } from './kong/index.js';
import { kserve } from './kserve/index.js';
import { litellm } from './litellm/index.js';
import { mlflow } from './mlflow/index.js';
import { pagerduty } from './pagerduty/index.js';
import { route } from './route/index.js';
import { servicenow } from './servicenow/index.js';
import { slack } from './slack/index.js';
import { teams } from './teams/index.js';

/** Every action connector type, found by its `type:` in connectors/*.yaml. */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  builtinLimiter,
  builtinCases,
  slack,
  pagerduty,
  jira,
  kong,
  mlflow,
  httpRequest,
  servicenow,
  github,
  teams,
  litellm,
  kserve,
  awsApiGateway,
  route,
];

const BY_TYPE = new Map(CONNECTOR_TYPES.map((t) => [t.type, t]));

export function connectorType(type: string): ConnectorType | undefined {
  return BY_TYPE.get(type);
}
