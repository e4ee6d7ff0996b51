// docs/SECURITY.md "SQL": SQL is built only with parameters. This test parses every source file
// of db/, core/, upstream/ and sync/ with the TypeScript compiler and looks at each call of
// prepare/run/all/get/exec/query/each whose first argument is SQL (a string that starts with
// an SQL verb, directly or through a local const). The SQL text must be a plain literal; a
// template with ${…} or a string built with + is allowed only when every interpolated part is
// on the allow-list below (fixed identifiers and placeholder lists, never a value). A second
// test feeds the scanner known-bad snippets, so the scanner itself is shown to find them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['db', 'core', 'upstream', 'sync'];
const SQL_METHODS = new Set(['prepare', 'run', 'all', 'get', 'exec', 'query', 'each']);
const SQL_HEAD = /^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|WITH|SAVEPOINT|RELEASE|REPLACE|VACUUM|ANALYZE|ATTACH|DETACH)\b/i;

/**
 * Interpolations that are not values: `file` + the exact source text of the ${…} expression
 * (or + operand), and why it is safe.
 */
const ALLOWED: { file: string; expr: string; why: string }[] = [
  { file: 'db/ledger.ts', expr: 'where', why: "readEntries' WHERE fragment: every caller's fragment is checked here too (FRAGMENT_ARGS)" },
  { file: 'db/intents.ts', expr: "from.map(() => '?').join(', ')", why: 'a placeholder per state; the states are bound' },
  { file: 'db/ledger-queries.ts', expr: "kinds.map(() => '?').join(',')", why: 'a placeholder per kind; the kinds are bound' },
  { file: 'db/idempotency.ts', expr: "entryIds.map(() => '?').join(', ')", why: 'a placeholder per booked entry id; the ids are bound' },
  { file: 'db/card-stock.ts', expr: "chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')", why: 'a row of placeholders per received card (100 a statement); the values are bound' },
  { file: 'db/receipt-queries.ts', expr: "where.join(' AND ')", why: 'conditions pushed as fixed literals with ? placeholders; the search values are bound' },
];

/** Functions whose argument at this index is an SQL fragment (no verb of its own), checked the same way. */
const FRAGMENT_ARGS: Record<string, number> = { readEntries: 1 };

export interface Finding {
  file: string;
  line: number;
  expr: string;
}

function sqlHead(node: ts.Expression): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) return sqlHead(node.left);
  if (ts.isParenthesizedExpression(node)) return sqlHead(node.expression);
  return null;
}

/** The parts of a built string that are not literal text. */
function dynamicParts(node: ts.Expression): ts.Expression[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [];
  if (ts.isTemplateExpression(node)) return node.templateSpans.map((s) => s.expression);
  if (ts.isParenthesizedExpression(node)) return dynamicParts(node.expression);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const side = (e: ts.Expression) => (sqlHead(e) !== null || ts.isStringLiteral(e) ? dynamicParts(e) : [e]);
    return [...side(node.left), ...side(node.right)];
  }
  return [node];
}

/** Scans one file's text; `file` is its repo-relative path (for the allow-list and messages). */
export function scanSqlSource(file: string, text: string): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // Local `const X = …` initialisers, so `db.run(SQL_X, …)` is checked through the const.
  const consts = new Map<string, ts.Expression>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && ts.isVariableDeclarationList(n.parent) && (n.parent.flags & ts.NodeFlags.Const) !== 0) {
      consts.set(n.name.text, n.initializer);
    }
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const findings: Finding[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && SQL_METHODS.has(n.expression.name.text) && n.arguments.length > 0) {
      let arg = n.arguments[0]!;
      if (ts.isIdentifier(arg) && consts.has(arg.text)) arg = consts.get(arg.text)!;
      const head = sqlHead(arg);
      if (head !== null && SQL_HEAD.test(head)) {
        for (const part of dynamicParts(arg)) {
          const expr = part.getText(sf);
          if (!ALLOWED.some((a) => a.file === file && a.expr === expr)) {
            findings.push({ file, line: sf.getLineAndCharacterOfPosition(part.getStart(sf)).line + 1, expr });
          }
        }
      }
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && FRAGMENT_ARGS[n.expression.text] !== undefined) {
      const arg = n.arguments[FRAGMENT_ARGS[n.expression.text]!];
      if (arg !== undefined && (sqlHead(arg) !== null)) {
        for (const part of dynamicParts(arg)) {
          const expr = part.getText(sf);
          if (!ALLOWED.some((a) => a.file === file && a.expr === expr)) findings.push({ file, line: sf.getLineAndCharacterOfPosition(part.getStart(sf)).line + 1, expr });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return findings;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('SQL in db/, core/, upstream/, sync/ is built only with parameters (interpolation only of allow-listed fixed parts)', () => {
  const files = SCANNED.flatMap((d) => sourceFiles(path.join(root, d)));
  assert.ok(files.length > 50, `${files.length} files scanned`);
  let sqlCalls = 0;
  const findings: Finding[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    sqlCalls += (text.match(/\b(SELECT|INSERT|UPDATE|DELETE)\b/g) ?? []).length;
    findings.push(...scanSqlSource(path.relative(root, f).split(path.sep).join('/'), text));
  }
  assert.ok(sqlCalls > 50, 'the scan saw the SQL of the station and the host');
  assert.deepEqual(findings, [], `SQL with interpolated values (bind them as parameters, or allow-list a fixed identifier with its reason):\n${findings.map((x) => `${x.file}:${x.line} \${${x.expr}}`).join('\n')}`);
  // Every allow-list entry is still used (a stale entry would silently allow a new use).
  for (const a of ALLOWED) assert.ok(readFileSync(path.join(root, a.file), 'utf8').includes(a.expr), `stale allow-list entry ${a.file}: ${a.expr}`);
});

test('the SQL scanner finds interpolation and concatenation, directly and through a const', () => {
  const bad = [
    'db.run(`SELECT * FROM staff WHERE staff_id = \'${id}\'`);',
    "db.all('SELECT * FROM ledger_entries WHERE kind = ' + kind);",
    'const q = `DELETE FROM outbox WHERE seq > ${n}`;\ndb.exec(q);',
    'await tx.query(`UPDATE cards SET status = ${status} WHERE card_ref = $1`, [ref]);',
    "db.get(\"INSERT INTO audit VALUES ('\" + who + \"')\");",
    "readEntries(db, `card_ref = '${ref}'`);",
  ];
  for (const src of bad) assert.equal(scanSqlSource('x.ts', src).length > 0, true, src);
  const good = [
    "db.run('SELECT * FROM staff WHERE staff_id = ?', [id]);",
    'db.all(`SELECT seq\n FROM ledger_entries WHERE kind = ?`, [kind]);',
    "const SQL = 'DELETE FROM outbox WHERE seq > ?';\ndb.run(SQL, [n]);",
    'map.get(`${a}:${b}`);',
    'regex.exec(`${x}`);',
  ];
  for (const src of good) assert.deepEqual(scanSqlSource('x.ts', src), [], src);
});
