// The station's own lint rules (eslint.config.js registers them as plugin `fences`), proven by
// test/unit/fences.test.ts:
// - `sql-in-db`: SQL text is written in db/ (and the clearing host's upstream/store/) only, so a
//   reader finds every statement against a table in the module named for what it holds.
// - `disable-needs-reason`: every eslint-disable comment says why after ` -- `, so a silenced
//   rule (a long function, an `any`) carries its reason where the next reader sees it.

/**
 * Strings that are SQL: a statement's head (uppercase keywords, as every statement in the tree
 * is written) or a WHERE fragment (`column = ?`). Case-sensitive on purpose: APDU labels like
 * 'SELECT City Union' and 'UPDATE BINARY' are words on a card, not SQL, and do not match.
 */
const SQL_TEXT = [
  /^\s*SELECT\s[\s\S]*\bFROM\s/,
  /^\s*SELECT\s+(\d|\*|[A-Z_]+\s*\()/,
  /^\s*INSERT\s+(OR\s+[A-Z]+\s+)?INTO\s/,
  /^\s*UPDATE\s+\w+\s+SET\s/,
  /^\s*DELETE\s+FROM\s/,
  /^\s*(CREATE|DROP)\s+(TEMP\s+)?(TABLE|(UNIQUE\s+)?INDEX|TRIGGER|VIEW)\b/,
  /^\s*ALTER\s+TABLE\s/,
  /^\s*PRAGMA\s+\w/,
  /^\s*WITH\s+(RECURSIVE\s+)?\w+(\s*\([^)]*\))?\s+AS\s*\(/,
  /^\s*(BEGIN(\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION))?|COMMIT|ROLLBACK(\s+TO(\s+SAVEPOINT)?\s+\w+)?|SAVEPOINT\s+\w+|RELEASE(\s+SAVEPOINT)?\s+\w+)\s*;?\s*$/,
  /\b[a-z_]+\s*(=|<>|<=|>=|<|>)\s*\?/,
  /\bjson_extract\s*\(/,
];

export const isSqlText = (text) => SQL_TEXT.some((re) => re.test(text));

const HOLE = ' $hole ';

/** The text of a string literal, a template (its literal parts), or a + chain of them. */
function literalText(node) {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  // An interpolation stands as HOLE, not '?', so a template like `a=${x}` is not a `= ?` fragment.
  if (node.type === 'TemplateLiteral') return node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(HOLE);
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    const left = literalText(node.left);
    const right = literalText(node.right);
    if (left === null && right === null) return null;
    return `${left ?? HOLE}${right ?? HOLE}`;
  }
  return null;
}

const sqlInDb = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL is written in db/ (and upstream/store/) only' },
    schema: [],
    messages: { sql: 'SQL outside db/: put this statement in the db/ module named for the table it reads or writes (docs/ARCHITECTURE.md "Layers and fences")' },
  },
  create(context) {
    const check = (node) => {
      // A literal inside a + chain is judged once, as the whole chain.
      if (node.parent?.type === 'BinaryExpression' && node.parent.operator === '+') return;
      // Import specifiers and type positions are not SQL.
      if (node.parent?.type === 'ImportDeclaration' || node.parent?.type === 'ExportNamedDeclaration' || node.parent?.type === 'ExportAllDeclaration' || node.parent?.type === 'TSLiteralType') return;
      const text = literalText(node);
      if (text !== null && isSqlText(text)) context.report({ node, messageId: 'sql' });
    };
    return { Literal: check, TemplateLiteral: check, BinaryExpression: check };
  },
};

const disableNeedsReason = {
  meta: {
    type: 'suggestion',
    docs: { description: 'an eslint-disable comment says why after --' },
    schema: [],
    messages: { reason: 'say why this rule is off here: `eslint-disable… rule -- reason`' },
  },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const text = comment.value.trim();
          if (!/^eslint-disable(-next-line|-line)?\b/.test(text)) continue;
          const reason = text.split(/\s--\s/)[1];
          if (reason === undefined || reason.trim().length < 3) context.report({ loc: comment.loc, messageId: 'reason' });
        }
      },
    };
  },
};

export default { meta: { name: 'station-fences' }, rules: { 'sql-in-db': sqlInDb, 'disable-needs-reason': disableNeedsReason } };
