/**
 * The "still running" beats of a long tool call (lib/mcp/progress.ts), on Jest's fake timers: one per
 * interval with the seconds elapsed, none before the first interval, none after the call stops them,
 * and none at all for a call that asked for no progress.
 */
import type { Notification } from '@modelcontextprotocol/server';
import { progressReporter } from '../../lib/mcp/progress';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function capture() {
  const sent: Notification[] = [];
  const messages = () => sent.map((n) => (n.method === 'notifications/progress' ? n.params?.message : undefined));
  const send = (n: Notification) => {
    sent.push(n);
    return Promise.resolve();
  };
  return { send, sent, messages };
}

it('beats once per interval with the whole seconds elapsed, until stopped', () => {
  const out = capture();
  const progress = progressReporter('tok', out.send, 10_000);
  const stop = progress.keepAlive('the command');
  jest.advanceTimersByTime(9_999);
  expect(out.sent).toHaveLength(0);
  jest.advanceTimersByTime(1);
  jest.advanceTimersByTime(20_000);
  expect(out.messages()).toEqual([
    'the command: still running after 10 s',
    'the command: still running after 20 s',
    'the command: still running after 30 s',
  ]);
  stop();
  jest.advanceTimersByTime(60_000);
  expect(out.sent).toHaveLength(3);
  // Numbered in order, as the spec asks of progress values.
  expect(out.sent.map((n) => (n.method === 'notifications/progress' ? n.params?.progress : 0))).toEqual([1, 2, 3]);
});

it('sends nothing for a call without a progress token', () => {
  const out = capture();
  const stop = progressReporter(undefined, out.send, 1_000).keepAlive('the command');
  jest.advanceTimersByTime(10_000);
  stop();
  expect(out.sent).toHaveLength(0);
});
