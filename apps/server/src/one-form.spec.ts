import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const SRC = __dirname;
const ROOT = join(SRC, '../../..');

/**
 * The one place left out: a migration is frozen once it has run, so it keeps the code it ran with (the rows
 * it reads are instants the database wrote). Every other edge reads text with `parseInstant`: the HTTP
 * fields (`IsInstant`), CAP messages, the command line, and PostgreSQL's own text for a `timestamptz`.
 */
const EDGES = ['database/migrations/'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sources(SRC).filter((file) => !EDGES.some((edge) => relative(SRC, file).startsWith(edge)));

/** `file:line` of every line of the server's sources (edges aside) that matches `re`. */
function find(re: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (re.test(line) ? [`${relative(SRC, file)}:${i + 1}`] : [])),
  );
}

const at = (sf: ts.SourceFile, node: ts.Node) => `${relative(SRC, sf.fileName)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;

describe('the server keeps one form for instants', () => {
  it('reads an instant from its text only with the shared helpers', () => {
    expect(find(/Date\.parse\(/)).toEqual([]);
  });

  it('writes the pattern of a date and time, or of a time of day, only in the shared module', () => {
    expect(find(/\\d\{2\}:\\d\{2\}|\[01\]\\d/)).toEqual([]);
  });

  it('makes a Date only from a number, never from text', () => {
    // The types decide what is text, so the server's sources are type-checked here (about ten seconds).
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const program = ts.createProgram(files, { ...config!.options, incremental: false, noEmit: true });
    const checker = program.getTypeChecker();
    const found: string[] = [];
    for (const file of files) {
      const sf = program.getSourceFile(file)!;
      const visit = (node: ts.Node): void => {
        if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
          for (const arg of node.arguments ?? []) {
            if (!(checker.getTypeAtLocation(arg).flags & ts.TypeFlags.NumberLike)) found.push(`${at(sf, node)} ${node.getText(sf)}`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(found).toEqual([]);
  }, 120_000);
});
