/**
 * What a caller sees when the server itself is broken: a generic 500 that names no setting or SSM
 * parameter (the caller may not even be authenticated), while the log carries the detail.
 */
import { ConfigError } from '../../lib/errors';
import { makeHandler } from '../../lib/handler';
import { captureOutput } from '../helpers/capture-output';
import { logLevel, setLogLevel } from '../../lib/log';

const EVENT = {
  version: '2.0',
  rawPath: '/mcp',
  rawQueryString: '',
  headers: {
    host: 'x.lambda-url.eu-west-1.on.aws',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  },
  requestContext: { http: { method: 'POST' }, stage: '$default', requestId: 'r-1' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  isBase64Encoded: false,
};
const DETAIL =
  "CODER_SESSION_TOKEN_PARAMETER: SSM parameter /coder-mcp/service-token: the function's role may not read or decrypt it (AccessDeniedException)";

async function answer(fault: unknown) {
  const previous = logLevel();
  setLogLevel('ERROR');
  const output = captureOutput();
  try {
    const result = await makeHandler(() => Promise.reject(fault))(EVENT);
    return { result, logs: output.all.join('') };
  } finally {
    output.restore();
    setLogLevel(previous);
  }
}

it('answers a configuration fault with a generic 500 and logs which setting failed', async () => {
  const { result, logs } = await answer(new ConfigError(DETAIL));
  expect(result.statusCode).toBe(500);
  expect(JSON.parse(result.body)).toEqual({
    message: 'Internal error.',
    detail: 'the server is misconfigured; see its logs',
  });
  expect(result.body).not.toMatch(/coder-mcp|SSM|CODER_SESSION_TOKEN_PARAMETER/);
  expect(logs).toContain('/coder-mcp/service-token');
  expect(logs).toContain('"requestId":"r-1"');
});

it('answers a programming fault with a generic 500 and echoes nothing of it', async () => {
  const { result, logs } = await answer(new TypeError('cannot read properties of undefined (reading secretThing)'));
  expect(result.statusCode).toBe(500);
  expect(JSON.parse(result.body)).toEqual({
    message: 'Internal error.',
    detail: 'internal error; see the server logs',
  });
  expect(logs).toContain('TypeError');
  expect(`${result.body}${logs}`).not.toContain('secretThing');
});
