// The container image's HEALTHCHECK: GET /healthz on the port that serves this process's probes,
// exit 0 on a 200 and 1 otherwise (Docker's contract). A process with the api role serves its
// probes on CORDON_PORT; one without it, on CORDON_OPS_PORT (src/main.ts). Plain node, no curl:
// the slim base image has none. Reads the same variables, with the same defaults, as
// src/config/load-config.ts.
import { request } from 'node:http';

const env = process.env;
let settled = false;
/** The first outcome wins; the process then ends on its own (stderr is flushed first). */
const finish = (code, why) => {
  if (settled) return;
  settled = true;
  if (why) process.stderr.write(`healthcheck: ${why}\n`);
  process.exitCode = code;
};

const roles = (env.CORDON_ROLES ?? '')
  .split(',')
  .map((r) => r.trim())
  .filter(Boolean);
const hasApi = roles.length === 0 || roles.includes('api');
const port = Number(hasApi ? env.CORDON_PORT || 8080 : env.CORDON_OPS_PORT || 0);
// A wildcard listen address is reached on loopback; a specific one, on itself.
const listen = (env.CORDON_HOST || '127.0.0.1').trim();
const host = listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;
// Under the Dockerfile's --timeout=5s, so a hung server is reported here, with its reason.
const timeoutMs = 4000;

if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  finish(1, 'no probe port: a process without the api role needs CORDON_OPS_PORT');
} else {
  const req = request({ host, port, path: '/healthz', timeout: timeoutMs }, (res) => {
    res.resume();
    finish(
      res.statusCode === 200 ? 0 : 1,
      res.statusCode === 200 ? undefined : `/healthz answered ${res.statusCode}`,
    );
  });
  req.on('timeout', () => {
    finish(1, `no answer from ${host}:${port} within ${timeoutMs} ms`);
    req.destroy();
  });
  req.on('error', (err) => finish(1, `${host}:${port}: ${err.message}`));
  req.end();
}
