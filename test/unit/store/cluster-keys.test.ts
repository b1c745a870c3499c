import { describe, expect, it } from 'vitest';
import { crc16, hashedPart, keySlot } from '../../../src/store/key-slot.js';
import { migratedKeyName } from '../../../src/store/key-layout-migration.js';
import { parseClusterUrl, redactClusterUrl } from '../../../src/store/redis-target.js';
import { Keys } from '../../../src/store/keys.js';

describe('key slots (Redis Cluster spec)', () => {
  it('computes CRC16/XMODEM and the slots Redis computes', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    expect(keySlot('foo')).toBe(12182); // CLUSTER KEYSLOT foo
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(hashedPart('foo{}{bar}')).toBe('foo{}{bar}'); // empty tag: the whole key
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
  });

  it('puts each group of keys a script touches in one slot', () => {
    const k = new Keys('cordon');
    const control = [k.incident('i1'), k.run('r1'), k.approval('a1'), k.changes, k.effect('e')];
    expect(new Set(control.map(keySlot)).size).toBe(1);
    const events = [
      k.eventLog,
      k.eventWhere,
      k.eventSeenOrder,
      k.eventText,
      k.eventTextOrderFor(5),
    ];
    expect(new Set(events.map(keySlot)).size).toBe(1);
    expect(keySlot(k.partitionMeta(3))).toBe(keySlot(k.partitionOutbox(3)));
    expect(keySlot(k.partitionMeta(3))).not.toBe(keySlot(k.partitionMeta(4)));
    expect(keySlot(k.eventLog)).not.toBe(keySlot(k.incident('i1')));
    expect(k.bullPrefix).toBe('cordon:{c}:bull');
  });
});

describe('the old untagged layout', () => {
  it('maps each old name to its tagged one, and leaves the rest', () => {
    expect(migratedKeyName('cordon', 'cordon:inc:abc:matches')).toBe('cordon:{c}:inc:abc:matches');
    expect(migratedKeyName('cordon', 'cordon:corr:members')).toBe('cordon:{c}:corr:members');
    expect(migratedKeyName('cordon', 'cordon:events:log')).toBe('cordon:{e0}:events:log');
    expect(migratedKeyName('cordon', 'cordon:bull:runs:42')).toBe('cordon:{c}:bull:runs:42');
    expect(migratedKeyName('cordon', 'cordon:corr:{p1}:meta')).toBeUndefined();
    expect(migratedKeyName('cordon', 'cordon:{audit}:log')).toBeUndefined();
    expect(migratedKeyName('cordon', 'cordon:srcmem:a:b')).toBeUndefined();
    expect(migratedKeyName('cordon', 'other:inc:x')).toBeUndefined();
  });
});

describe('cluster URLs', () => {
  it('reads seed nodes and credentials', () => {
    const t = parseClusterUrl('rediss+cluster://u:p%40ss@10.0.0.1:7000,[::1]:7001/');
    expect(t).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      tls: true,
      username: 'u',
      password: 'p@ss',
    });
    expect(redactClusterUrl('redis+cluster://u:secret@a:1,b:2')).toBe(
      'redis+cluster://u:***@a:1,b:2',
    );
  });

  it('names the bad node and never the password', () => {
    expect(() => parseClusterUrl('redis+cluster://:secret@a:1,b')).toThrow(
      /REDIS_URL has the node "b", which is not host:port/,
    );
    expect(() => parseClusterUrl('redis+cluster://:secret@a:1,b')).not.toThrow(/secret/);
    expect(() => parseClusterUrl('redis+cluster://a:1/0')).toThrow(/database 0 only/);
  });
});
