import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const PARTS = ['store', 'search', 'api', 'bot'];
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.(node|test)\.[mc]?[tj]s$/.test(name)) yield path;
  }
}

describe('portability to Workers', () => {
  it('keeps Node built-ins out of store/, search/, api/ and bot/ (except *.node.ts edge files)', () => {
    const offenders: string[] = [];
    for (const part of PARTS) {
      let files: string[] = [];
      try {
        files = [...sourceFiles(join(root, part))];
      } catch {
        continue;
      }
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(
          /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g,
        )) {
          const specifier = match[1] ?? match[2] ?? match[3];
          if (builtins.has(specifier)) offenders.push(`${relative(root, file)} imports ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
