/**
 * The params screen (lib/mcp/params.ts) judges every method our server answers with the SDK's own schemas.
 * The SDK types those as Standard Schema and the screen reads them as zod; were one of them to stop being
 * zod, the screen would let its method through unjudged and the client would get the SDK's JSON dump of
 * issues instead of one sentence. Each method here must therefore be judged, with the field named.
 */
import { paramsProblem } from '../../lib/mcp/params';

it.each([
  ['initialize', {}, 'params.protocolVersion is required'],
  ['ping', { _meta: 5 }, 'params._meta must be an object, not a number'],
  ['logging/setLevel', { level: 'loud' }, 'params.level is not valid: Invalid option: expected one of'],
  ['tools/list', { cursor: 5 }, 'params.cursor must be a string, not a number'],
  ['tools/call', { name: 5 }, 'params.name must be a string, not a number'],
  ['prompts/list', { cursor: 1 }, 'params.cursor must be a string, not a number'],
  ['prompts/get', {}, 'params.name is required'],
])('judges %s params with the SDK schema and names the field', (method, params, sentence) => {
  expect(paramsProblem(method, params)).toContain(`Invalid params for ${method}: ${sentence}`);
});

it('lets good params through, and leaves methods it has no handler for to the SDK', () => {
  expect(paramsProblem('tools/call', { name: 'coder_list_templates', arguments: {} })).toBeUndefined();
  expect(paramsProblem('resources/list', { cursor: 5 })).toBeUndefined();
});
