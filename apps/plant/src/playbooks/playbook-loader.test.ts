import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlaybooks, PLAYBOOKS_DIR, PlaybookError, parsePlaybook } from './playbook-loader.ts';

const REAL = readFileSync(join(PLAYBOOKS_DIR, 'trading', 'delta-futures-manual-v1.md'), 'utf8');

const valid = (fm: Record<string, unknown> = {}, body = '# Steps\n\nDo the thing.') =>
  `---\n${JSON.stringify({
    playbook_id: 'TRADING.TEST.V1',
    name: 'Test',
    version: '1.2.3',
    category: 'trading',
    inputs_schema: { type: 'object', properties: { coin: { type: 'string' } } },
    output_schema: { type: 'object', properties: { order: { type: 'object' } } },
    qa_rubric: [{ id: 'q1', criterion: 'it works' }],
    boundary_constraints: ['never trade without approval'],
    ...fm,
  })}\n---\n${body}\n`;

function problemsOf(text: string): string[] {
  try {
    parsePlaybook(text, 'test.md');
  } catch (err) {
    if (err instanceof PlaybookError) return err.problems;
    throw err;
  }
  throw new Error('expected the playbook to be rejected');
}

describe('playbook loader', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads the shipped TRADING.DELTA.FUTURES.MANUAL.V1 playbook', () => {
    const p = parsePlaybook(REAL, 'delta-futures-manual-v1.md');
    expect(p.front_matter).toMatchObject({
      playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1',
      version: '1.0.0',
      category: 'trading',
    });
    expect(p.front_matter.inputs_schema.required).toEqual(
      expect.arrayContaining(['customer_id', 'exchange_account_id', 'coin', 'units', 'side', 'action']),
    );
    expect(p.front_matter.output_schema.properties).toHaveProperty('risk_checks');
    expect(loadPlaybooks(PLAYBOOKS_DIR).get('TRADING.DELTA.FUTURES.MANUAL.V1')).toBeDefined();
  });

  it('accepts a minimal valid file', () => {
    expect(parsePlaybook(valid(), 't.md').front_matter.playbook_id).toBe('TRADING.TEST.V1');
  });

  it.each([
    ['no front matter', '# just markdown', /front matter/],
    ['unterminated front matter', '---\nplaybook_id: X\n# body', /front matter/],
    ['front matter that is not YAML', '---\n{ unclosed: [\n---\nbody', /not valid YAML/],
    ['a missing playbook_id', valid({ playbook_id: undefined }), /^playbook_id:/],
    ['a malformed playbook_id', valid({ playbook_id: 'trading-v1' }), /^playbook_id:/],
    ['a version that is not semver', valid({ version: '1.0' }), /^version: must be a semantic version/],
    ['a missing category', valid({ category: undefined }), /^category:/],
    [
      'an inputs schema that is not an object schema',
      valid({ inputs_schema: { type: 'array' } }),
      /^inputs_schema/,
    ],
    [
      'an output schema without properties',
      valid({ output_schema: { type: 'object', properties: {} } }),
      /^output_schema/,
    ],
    ['an empty QA rubric', valid({ qa_rubric: [] }), /^qa_rubric/],
    ['no boundary constraints', valid({ boundary_constraints: undefined }), /^boundary_constraints/],
    ['an unknown front-matter key', valid({ auto_execute: true }), /auto_execute/],
    ['an empty body', valid({}, '   '), /no body/],
  ])('rejects %s', (_label, text, pattern) => {
    expect(problemsOf(text).some((p) => pattern.test(p))).toBe(true);
  });

  it('rejects two files declaring the same playbook_id', () => {
    dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'one.md'), valid());
    writeFileSync(join(dir, 'two.md'), valid());
    expect(() => loadPlaybooks(dir!)).toThrow(/also declared/);
  });
});
