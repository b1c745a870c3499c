// The Filebeat ECS document the ingest benchmarks send through `_bulk`: an sshd failed login
// from the system module, as Filebeat 8 ships it (one shape for every bench, so their figures
// are about the same bytes).
export function filebeatSshFailure(n, { time, id = `r-${n}`, user = `user-${n % 5000}` }) {
  const ip = `198.51.${(n >> 8) & 255}.${n & 255}`;
  return {
    '@timestamp': new Date(time).toISOString(),
    ecs: { version: '8.0.0' },
    message: `Failed password for invalid user admin from ${ip} port 51522 ssh2`,
    event: {
      id,
      kind: 'event',
      category: ['authentication'],
      type: ['start'],
      action: 'ssh_login',
      outcome: 'failure',
      dataset: 'system.auth',
      module: 'system',
    },
    user: { name: user },
    source: { ip, port: 51522 },
    host: { name: 'bastion-1', hostname: 'bastion-1' },
    agent: { type: 'filebeat', version: '8.11.0', name: 'bastion-1' },
    log: { file: { path: '/var/log/auth.log' }, offset: 48213 + n },
    input: { type: 'filestream' },
    process: { name: 'sshd', pid: 4121 },
  };
}
