/**
 * The schemas tools/list sends are converted at build time (scripts/gen-wire-schemas.ts); this keeps the
 * generated table in step with the tools' zod schemas, so what a client is told is what the server checks.
 */
import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generatedSource } from '../../scripts/gen-wire-schemas';
import { allTools } from '../../lib/tools/registry';
import { precomputedSchemas } from '../../lib/tools/wire-schemas.generated';
import { defineTool, type ToolContext } from '../../lib/tools/types';
import { z } from 'zod';

it('matches the tools: when it fails, run `npm run gen:schemas` and commit lib/tools/wire-schemas.generated.ts', () => {
  expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedSource());
});

it('has every tool, and tools/list sends exactly the schemas converted from zod', () => {
  const table = precomputedSchemas();
  for (const tool of allTools()) {
    const fresh = tool.convertSchemas();
    expect([tool.name, table[tool.name]]).toEqual([tool.name, fresh]);
    expect([tool.name, tool.inputSchema, tool.outputSchema]).toEqual([tool.name, fresh.input, fresh.output]);
  }
  expect(Object.keys(table).sort()).toEqual(
    allTools()
      .map((t) => t.name)
      .sort(),
  );
});

it("builds a tool's zod schemas only when it is called: tools/list reads the table converted at build time", async () => {
  const input = jest.fn(() => z.object({ organization_id: z.string().optional() }));
  const output = jest.fn(() => z.array(z.string()));
  // A name the table has, so listing it needs nothing but the table.
  const tool = defineTool({
    name: 'coder_list_templates',
    description: 'd',
    annotations: 'read',
    input,
    output,
    handler: async () => ['t'],
  });
  expect([tool.inputSchema, tool.outputSchema]).toEqual([
    precomputedSchemas().coder_list_templates?.input,
    precomputedSchemas().coder_list_templates?.output,
  ]);
  expect([input.mock.calls.length, output.mock.calls.length]).toEqual([0, 0]);
  await tool.call({}, {} as ToolContext);
  await tool.call({}, {} as ToolContext);
  // Built once, on the first call.
  expect([input.mock.calls.length, output.mock.calls.length]).toEqual([1, 1]);
});
