/**
 * What the MCP SDK's transport refuses by itself (a content type it does not take, an Accept that rules out
 * its answers) is answered as the SDK answers, and the log says why: the transport's `onerror` is wired.
 * Driven with REST API events against the simulator, as API Gateway sends them.
 */
import { clearVerified } from '../../lib/auth/verified';
import { parseConfig } from '../../lib/config';
import { makeHandler, type Handler } from '../../lib/handler';
import { setLogLevel } from '../../lib/log';
import { captureOutput } from '../helpers/capture-output';
import { startSimulator, type Simulator } from '../sim';

let sim: Simulator;
let handler: Handler;

beforeAll(async () => {
  sim = await startSimulator();
  handler = makeHandler(() => parseConfig({ CODER_URL: sim.url }));
});
afterAll(() => sim.close());
beforeEach(() => clearVerified());

function restEvent(headers: Record<string, string>, body: string) {
  const all = {
    Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    Authorization: `Bearer ${sim.demo.user.token}`,
    ...headers,
  };
  return {
    resource: '/mcp',
    path: '/mcp',
    httpMethod: 'POST',
    headers: all,
    multiValueHeaders: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourcePath: '/mcp',
      httpMethod: 'POST',
      path: '/prod/mcp',
      stage: 'prod',
      requestId: 'sdk-refusal',
    },
    body,
    isBase64Encoded: false,
  };
}

async function send(headers: Record<string, string>, body: string) {
  setLogLevel('WARN');
  const output = captureOutput();
  try {
    const result = (await handler(restEvent(headers, body))) as { statusCode: number; body: string };
    return { result, logs: output.all.join('') };
  } finally {
    output.restore();
    setLogLevel('SILENT');
  }
}

const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

it('logs why the SDK refused a content type it does not take (415)', async () => {
  const { result, logs } = await send(
    { 'Content-Type': 'text/plain', Accept: 'application/json, text/event-stream' },
    LIST,
  );
  expect(result.statusCode).toBe(415);
  expect(logs).toMatch(/"message":"MCP request refused by the SDK".*"reason":"Unsupported Media Type/);
});

it('logs why the SDK refused an Accept that rules out its answers (406)', async () => {
  const { result, logs } = await send({ 'Content-Type': 'application/json', Accept: 'text/html' }, LIST);
  expect(result.statusCode).toBe(406);
  expect(logs).toMatch(/"message":"MCP request refused by the SDK".*"reason":"Not Acceptable/);
});

it('logs nothing of the kind for a request the SDK serves', async () => {
  const { result, logs } = await send(
    { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    LIST,
  );
  expect(result.statusCode).toBe(200);
  expect(logs).not.toContain('refused by the SDK');
});
