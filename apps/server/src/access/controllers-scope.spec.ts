import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '..');

/**
 * Methods and functions that decide or enforce who reaches which unit (the access policy's, and the
 * services' unit-scoped helpers). A controller passes the principal to a service; it never calls these.
 */
const SCOPE_CALLS = /^(scope|narrow|reach|reaches|reachOf|allows|may|requireAccess|requireStation|requireUnit|requireTargets|requireOwned|requireFile|checkRoute|visibleStations|visibleUnitsWithAncestors|filterByStation|filterOwned|unitsOfStations|unitsOfUsers|subtreeOf|subtreeIds|ancestorsOf|ownStationsOf|mayAuthor|mayApprove|mayEditAiring|stationMayRead|inSubtree)$/;

function controllers(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? controllers(path) : path.endsWith('.controller.ts') ? [path] : [];
  });
}

/** The parameters that hold the caller: decorated with `@CurrentPrincipal()` or typed `Principal`. */
function isPrincipalParam(p: ts.ParameterDeclaration): boolean {
  const typed = p.type !== undefined && ts.isTypeReferenceNode(p.type) && p.type.typeName.getText() === 'Principal';
  const decorated = (ts.getDecorators(p) ?? []).some((d) => ts.isCallExpression(d.expression) && d.expression.expression.getText() === 'CurrentPrincipal');
  return typed || decorated;
}

/** Every unit-scope decision in one controller's source, as `line: what`. */
export function scopeDecisions(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => found.push(`${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${what}`);
  const principals = new Set<string>();

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && /(^|\/)access\//.test(node.moduleSpecifier.text)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const values = clause && !clause.isTypeOnly ? [...(clause.name ? [clause.name.text] : []), ...named.filter((e) => !e.isTypeOnly).map((e) => e.name.text)] : [];
      if (values.length) at(node, `imports ${values.join(', ')} from ${node.moduleSpecifier.text}`);
    }
    if (ts.isParameter(node) && ts.isIdentifier(node.name) && isPrincipalParam(node)) principals.add(node.name.text);
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : null;
      if (name && SCOPE_CALLS.test(name)) at(node, `calls ${name}()`);
    }
    if (ts.isIdentifier(node) && node.text === 'ForbiddenException') at(node, 'uses ForbiddenException');
    if (ts.isStringLiteral(node) && node.text === 'forbidden') at(node, "raises 'forbidden'");
    ts.forEachChild(node, visit);
  };
  visit(sf);

  // A second pass, once every principal parameter is known: reading its unit or role is a scope decision.
  const reads = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && principals.has(node.expression.text) && /^(unitId|role)$/.test(node.name.text)) {
      at(node, `reads ${node.expression.text}.${node.name.text}`);
    }
    ts.forEachChild(node, reads);
  };
  reads(sf);
  return found;
}

describe('controllers make no unit-scope decision', () => {
  const files = controllers(SRC);

  it('finds the controllers it checks', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('no controller imports the access policy, calls a scope/policy function (scope, narrow, reach, require*, filterOwned…), throws forbidden or ForbiddenException, or reads the principal\'s unitId or role', () => {
    const offences = files.flatMap((file) => scopeDecisions(file, readFileSync(file, 'utf8')).map((d) => `${relative(SRC, file)}:${d}`));
    expect(offences).toEqual([]);
  });

  it('catches each kind of scope decision it names, and passes a controller that only hands the principal on', () => {
    const bad = `
      import { AccessPolicy } from '../access/access-policy';
      import type { Reach } from '../access/access-policy';
      export class X {
        async list(@Query() q: Q, @CurrentPrincipal() who: Principal) {
          const scoped = await this.logbook.scope(who, q);
          if (who.unitId !== q.unitId) throw new ForbiddenException();
          if (who.role === 'operator') throw new LoaError('forbidden', 'Không được.');
          await this.policy.requireStation(who, q.stationId);
          return subtreeOf(units, scoped.unitId);
        }
        other(p: Principal) { return p.unitId; }
      }`;
    expect(scopeDecisions('x.controller.ts', bad)).toEqual([
      '2: imports AccessPolicy from ../access/access-policy',
      '6: calls scope()',
      '7: uses ForbiddenException',
      "8: raises 'forbidden'",
      '9: calls requireStation()',
      '10: calls subtreeOf()',
      '7: reads who.unitId',
      '8: reads who.role',
      '12: reads p.unitId',
    ]);
    const good = `
      import type { Actor } from '../access/access-policy';
      export class X {
        list(@Query() q: Q, @CurrentPrincipal() who: Principal) {
          return this.logbook.listFor(who, q.unitId, { limit: q.limit });
        }
      }`;
    expect(scopeDecisions('x.controller.ts', good)).toEqual([]);
  });
});
