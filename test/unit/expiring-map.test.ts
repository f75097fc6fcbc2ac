/** The bounded, expiring map behind the per-container caches (accepted tokens, workspace resolutions). */
import { ExpiringMap } from '../../lib/expiring-map';

it('gives a value until it expires, then forgets it', () => {
  const map = new ExpiringMap<string>(10);
  map.set('a', 'agent-1', 1_000);
  expect(map.get('a', 999)).toBe('agent-1');
  expect(map.get('a', 1_000)).toBeUndefined();
  expect(map.size).toBe(0);
});

it('holds at most its bound, dropping the entry set longest ago; setting again makes an entry the newest', () => {
  const map = new ExpiringMap<number>(3);
  for (const [i, key] of ['a', 'b', 'c'].entries()) map.set(key, i, 10_000);
  map.set('a', 9, 10_000);
  map.set('d', 3, 10_000);
  expect(map.size).toBe(3);
  expect(map.get('b', 0)).toBeUndefined();
  expect([map.get('a', 0), map.get('c', 0), map.get('d', 0)]).toEqual([9, 2, 3]);
});

it('stays bounded under many callers', () => {
  const map = new ExpiringMap<number>(1000);
  for (let i = 0; i < 5000; i++) map.set(`caller-${i}`, i, 60_000);
  expect(map.size).toBe(1000);
  expect(map.get('caller-4999', 0)).toBe(4999);
  expect(map.get('caller-3999', 0)).toBeUndefined();
});
