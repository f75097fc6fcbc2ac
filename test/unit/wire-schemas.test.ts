/**
 * The schemas tools/list sends are converted at build time (scripts/gen-wire-schemas.ts); this keeps the
 * generated table in step with the tools' zod schemas, so what a client is told is what the server checks.
 */
import { readFileSync } from 'node:fs';
import { GENERATED_FILE, generatedSource } from '../../scripts/gen-wire-schemas';
import { allTools } from '../../lib/tools/registry';
import { precomputedSchemas } from '../../lib/tools/wire-schemas.generated';

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
