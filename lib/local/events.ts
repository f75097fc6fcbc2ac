/**
 * The events API Gateway would send the Lambda handler for a Node HTTP request, so local runs and tests
 * go through the deployed code path: the HTTP API's (payload format 2.0) and the REST API's (1.0, the
 * deployed stack's; shape as in test/fixtures/apigw-rest-v1.json).
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { isTextContentType } from '../http/results';

/** The event API Gateway's HTTP API sends for this request (payload format 2.0). */
export function toHttpApiEvent(req: http.IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'cookie') continue;
    headers[k] = Array.isArray(v) ? v.join(',') : v;
  }
  const cookies = req.headers.cookie ? req.headers.cookie.split(/;\s*/) : undefined;
  // A body that is not valid UTF-8 goes base64-encoded, as a binary one does, so the handler sees the bytes
  // the client sent (and can refuse them) rather than text with replacement characters.
  const text = isTextContentType(req.headers['content-type'] ?? null) && isUtf8(body);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers: { ...headers, 'x-forwarded-proto': 'http' },
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0
      ? { body: text ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !text }
      : { isBase64Encoded: false }),
  };
}

/** The event API Gateway's REST API sends for this request (payload format 1.0, a `{proxy+}` resource). */
export function toRestApiEvent(req: http.IncomingMessage, body: Buffer) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    headers[k] = values.join(',');
    multiValueHeaders[k] = values;
  }
  headers['x-forwarded-proto'] = 'http';
  multiValueHeaders['x-forwarded-proto'] = ['http'];
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const text = isTextContentType(req.headers['content-type'] ?? null) && isUtf8(body);
  const now = new Date();
  return {
    resource: '/{proxy+}',
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: { proxy: url.pathname.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      resourcePath: '/{proxy+}',
      httpMethod: req.method ?? 'GET',
      // No stage in front of the path: the local URL has none, as a custom domain's root mapping has none.
      path: url.pathname,
      accountId: 'local',
      protocol: 'HTTP/1.1',
      stage: 'local',
      domainPrefix: 'local',
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: req.headers['user-agent'] ?? '' },
      domainName: req.headers.host ?? 'localhost',
      apiId: 'local',
    },
    body: body.length > 0 ? (text ? body.toString('utf8') : body.toString('base64')) : null,
    isBase64Encoded: body.length > 0 && !text,
  };
}
