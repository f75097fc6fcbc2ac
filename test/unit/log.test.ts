/**
 * The logger as Powertools configures it: the level from POWERTOOLS_LOG_LEVEL or LOG_LEVEL, read once, and
 * redaction done by its JSON replacer on every line it writes (message, fields, nested values).
 */
import { captureOutput } from '../helpers/capture-output';

const TOKEN = 'abcdefghij-0123456789abcdefghijkl';

function freshLog(env: Record<string, string | undefined>): typeof import('../../lib/log') {
  const saved = { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL, LOG_LEVEL: process.env.LOG_LEVEL };
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: '', LOG_LEVEL: '' }, env);
  try {
    let mod: typeof import('../../lib/log') | undefined;
    jest.isolateModules(() => {
      mod = jest.requireActual<typeof import('../../lib/log')>('../../lib/log');
    });
    if (!mod) throw new Error('lib/log did not load');
    return mod;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

it('takes its level from POWERTOOLS_LOG_LEVEL, else LOG_LEVEL, else INFO', () => {
  expect(freshLog({ POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' }).logLevel()).toBe('ERROR');
  expect(freshLog({ LOG_LEVEL: 'WARN' }).logLevel()).toBe('WARN');
  expect(freshLog({}).logLevel()).toBe('INFO');
});

it('writes only lines at or above its level', () => {
  const { log } = freshLog({ LOG_LEVEL: 'WARN' });
  const output = captureOutput();
  try {
    log('info', 'quiet line');
    log('warn', 'loud line');
  } finally {
    output.restore();
  }
  const text = output.all.join('');
  expect(text).toContain('loud line');
  expect(text).not.toContain('quiet line');
});

it('redacts secret-named fields and token-shaped strings, in the message too', () => {
  const { log } = freshLog({ LOG_LEVEL: 'DEBUG' });
  const output = captureOutput();
  try {
    log('info', `refused ${TOKEN}`, {
      sessionToken: 'plain-secret',
      fileContent: 'hello',
      path: `/tmp/${TOKEN}`,
      status: 401,
    });
  } finally {
    output.restore();
  }
  const line = JSON.parse(output.all.join('').trim()) as Record<string, unknown>;
  expect(line).toMatchObject({
    message: 'refused [redacted-token]',
    sessionToken: '[redacted]',
    fileContent: '[redacted]',
    path: '/tmp/[redacted-token]',
    status: 401,
    level: 'INFO',
  });
  expect(JSON.stringify(line)).not.toMatch(/plain-secret|hello|0123456789abcdefghijkl/);
});
