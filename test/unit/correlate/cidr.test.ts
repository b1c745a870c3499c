import { describe, expect, it } from 'vitest';
import { inNetwork, parseIp, parseNetwork } from '../../../src/correlate/rule/detection/cidr.js';

const within = (ip: string, cidr: string): boolean => {
  const words = parseIp(ip);
  const net = parseNetwork(cidr);
  if (!words || !net) throw new Error(`bad input ${ip} ${cidr}`);
  return inNetwork(words, net);
};

describe('cidr', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['192.168.1.7', '192.168.1.0/29', true],
    ['192.168.1.8', '192.168.1.0/29', false],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['1.2.3.4', '1.2.3.4', true],
    ['1.2.3.5', '1.2.3.4', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:db8:ffff:ffff::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['fe80::1', 'fe80::/10', true],
    ['febf::1', 'fe80::/10', true],
    ['fec0::1', 'fe80::/10', false],
    ['::1', '::1/128', true],
    ['10.0.0.1', '::/0', true],
  ])('%s in %s → %s', (ip, cidr, expected) => {
    expect(within(ip, cidr)).toBe(expected);
  });

  it.each([
    '10.0.0.0/33',
    '256.0.0.0/8',
    '10.0.0/8',
    '2001:db8::/129',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'abc',
    '10.0.0.0/x',
    '1.2.3.4::',
  ])('rejects %s', (cidr) => {
    expect(parseNetwork(cidr)).toBeUndefined();
  });
});
