/**
 * Web `Response` → API Gateway proxy result, in the shape of the event that came in: v1 with
 * multi-value headers, v2 (HTTP API and Function URL) with `cookies`. Text bodies stay text; anything
 * else is base64 so binary survives.
 */
import type { ParsedEvent } from './events';

export interface RestResult {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export type ProxyResult = RestResult | HttpResult;

const TEXT_TYPE = /^(text\/|application\/(json|[\w.+-]+\+json|javascript|xml|[\w.+-]+\+xml|x-www-form-urlencoded))/i;

export function isTextContentType(contentType: string | null): boolean {
  return contentType === null || TEXT_TYPE.test(contentType);
}

export async function toResult(kind: ParsedEvent['kind'], response: Response): Promise<ProxyResult> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = isTextContentType(response.headers.get('content-type'));
  const body = text ? bytes.toString('utf8') : bytes.toString('base64');
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (kind === 'http') {
    return {
      statusCode: response.status,
      headers,
      ...(cookies.length > 0 ? { cookies } : {}),
      body,
      isBase64Encoded: !text,
    };
  }
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(headers)) multiValueHeaders[key] = [value];
  if (cookies.length > 0) multiValueHeaders['set-cookie'] = cookies;
  return { statusCode: response.status, headers, multiValueHeaders, body, isBase64Encoded: !text };
}
