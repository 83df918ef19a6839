import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
/** What `npm run build` compiles into the server and the station agent. */
const SHIPPED = ['apps/server/src', 'apps/agent/src'];

function productionFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return productionFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('what the build ships', () => {
  const files = SHIPPED.flatMap((dir) => productionFiles(join(ROOT, dir))).map((f) => relative(ROOT, f).split(sep).join('/'));

  it('holds no test helper: fixtures, fakes and spec utilities live under test/', () => {
    expect(files.filter((f) => /(^|\/)(testing|__tests__)\/|test-fixtures|\.fake\.ts$|fixtures?\.ts$/.test(f))).toEqual([]);
  });

  it('has no production file that imports from test/', () => {
    expect(files.filter((f) => /from '(\.\.\/)+test\//.test(readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
  });
});
