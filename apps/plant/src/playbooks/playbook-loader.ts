import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TPlaybookFrontMatter, ZPlaybookFrontMatter } from '@delta/contracts';
import { parse as parseYaml } from 'yaml';

export interface Playbook {
  front_matter: TPlaybookFrontMatter;
  /** The Markdown after the front matter: the human-readable procedure. */
  body: string;
  source: string;
}

export interface PlaybookCatalogue {
  get(playbookId: string): Playbook | undefined;
  list(): Playbook[];
}

export class PlaybookError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`playbook ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlaybookError';
    this.problems = problems;
  }
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** Parses and validates one playbook file's text. Throws PlaybookError naming every problem. */
export function parsePlaybook(text: string, source: string): Playbook {
  const m = FRONT_MATTER.exec(text);
  if (!m) throw new PlaybookError(source, ['the file must start with YAML front matter between "---" lines']);
  let data: unknown;
  try {
    data = parseYaml(m[1]!);
  } catch (err) {
    throw new PlaybookError(source, [`front matter is not valid YAML: ${(err as Error).message}`]);
  }
  const result = ZPlaybookFrontMatter.safeParse(data);
  if (!result.success) {
    throw new PlaybookError(
      source,
      result.error.issues.map((i) => {
        const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
        return `${i.path.join('.') || '(front matter)'}: ${i.message}${keys}`;
      }),
    );
  }
  const body = m[2]!.trim();
  if (!body) throw new PlaybookError(source, ['the playbook has no body after its front matter']);
  return { front_matter: result.data, body, source };
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return markdownFiles(path);
      return name.endsWith('.md') ? [path] : [];
    });
}

/** Loads and validates every *.md playbook under `dir`. A bad file or a repeated playbook_id throws. */
export function loadPlaybooks(dir: string): PlaybookCatalogue {
  const byId = new Map<string, Playbook>();
  for (const file of markdownFiles(dir)) {
    const source = relative(dir, file);
    const playbook = parsePlaybook(readFileSync(file, 'utf8'), source);
    const id = playbook.front_matter.playbook_id;
    const existing = byId.get(id);
    if (existing)
      throw new PlaybookError(source, [`playbook_id ${id} is also declared by ${existing.source}`]);
    byId.set(id, playbook);
  }
  return { get: (id) => byId.get(id), list: () => [...byId.values()] };
}

/** Where Plant's own playbooks live (this folder). */
export const PLAYBOOKS_DIR = fileURLToPath(new URL('.', import.meta.url));
