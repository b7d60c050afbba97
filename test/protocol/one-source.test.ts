/**
 * One source for each fact (issue 14), checked on the sources:
 *
 * - Every packet id is defined once, in a table of protocol/packet-ids.ts (`PACKET_ID`,
 *   `CRYPTO_PAYLOAD_ID`, `DHT_REQUEST_ID`, `ONION_DATA_ID`, `TCP_PACKET_ID`; one table per id
 *   space, the "role").
 *   Within a table no two names share a value, and no other exported constant of protocol/ names
 *   an id: a scalar or table whose name says it is an id (`…_ID`, `…_IDS`, `PACKET_ID_…`,
 *   `NET_PACKET_…`; sizes and ranges aside) is a second name for a table entry, or an id kept
 *   outside the table. The few second names runtime/ still imports are listed below; each must be
 *   marked `@deprecated` and equal the entry it stands for.
 * - No exported constant outside packet-ids.ts is written as a one-byte hex literal (`= 0x18`),
 *   the way ids are written, whatever its name.
 * - No `case 0x…:` literal in protocol/, runtime/, cli/, inspector/, conformance/ or harness/: switches on an
 *   id name the table.
 *
 * Declarations and JSDoc tags are read with the TypeScript compiler (comments and strings never
 * count); values come from importing each protocol module, so derived constants are compared by
 * what they are.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const TABLE_FILE = 'protocol/packet-ids.ts';

/**
 * Second names runtime/ still imports (runtime/messenger/messenger.ts), each → the table entry it
 * equals. Remove an entry with its alias once nothing imports it; never add one for a new name.
 */
const DEPRECATED_ALIASES: Readonly<Record<string, string>> = {};

/** The role (table) a second name most likely stands in for, by its c-toxcore-style prefix. */
const ROLE_BY_NAME: readonly (readonly [RegExp, string])[] = [
  [/^NET_PACKET_/, 'PACKET_ID'],
  [/^PACKET_ID_/, 'CRYPTO_PAYLOAD_ID'],
  [/^CRYPTO_PACKET_|DHT_REQUEST/, 'DHT_REQUEST_ID'],
  [/ONION_DATA|PAYLOAD_ID$/, 'ONION_DATA_ID'],
];

/** A name that says "this is a packet id" (or a table of them). */
const ID_NAME = /(^|_)IDS?(_|$)|^NET_PACKET_|^CRYPTO_PACKET_/;
/** …unless it is a size, a length or a range bound (`PING_ID_SIZE_BYTES`, `PACKET_ID_RANGE_…`). */
const NOT_AN_ID = /SIZE|LENGTH|BYTES|RANGE|COUNT/;

function sourceFiles(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (ext.test(name) && !name.endsWith('.d.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

interface Declared {
  readonly file: string;
  readonly name: string;
  readonly deprecated: boolean;
  /** The initialiser's source text. */
  readonly init: string;
  readonly initIsByteHex: boolean;
}

/** `export const NAME = …` declarations at the top level of a source, with their JSDoc @deprecated. */
function exportedConsts(file: string, text: string): Declared[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Declared[] = [];
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const deprecated = ts.getJSDocTags(st).some((t) => t.tagName.text === 'deprecated');
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      let init: ts.Expression = d.initializer;
      while (ts.isAsExpression(init) || ts.isParenthesizedExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
      const initIsByteHex = ts.isNumericLiteral(init) && /^0x[0-9a-f]{1,2}$/i.test(init.getText(sf));
      out.push({ file, name: d.name.text, deprecated, init: d.initializer.getText(sf), initIsByteHex });
    }
  }
  return out;
}

const isByte = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
const isIdTable = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).length > 0 && Object.values(v).every(isByte);

/** Every `case 0x…:` in a source (TypeScript or JavaScript), as "file:line". */
function hexCaseLiterals(file: string, text: string): string[] {
  const kind = file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, kind);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCaseClause(n)) {
      let e: ts.Expression = n.expression;
      while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) e = e.expression;
      if (ts.isNumericLiteral(e) && /^0x/i.test(e.getText(sf))) {
        out.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: case ${e.getText(sf)}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The protocol modules' id tables (from packet-ids.ts) and every id-named export elsewhere. */
async function scanProtocol(): Promise<{ tables: Map<string, Record<string, number>>; declared: Declared[]; values: Map<string, unknown> }> {
  const tables = new Map<string, Record<string, number>>();
  const declared: Declared[] = [];
  const values = new Map<string, unknown>();
  for (const file of sourceFiles('protocol', /\.ts$/)) {
    const decls = exportedConsts(file, readFileSync(join(ROOT, file), 'utf8'));
    if (decls.length === 0) continue;
    const mod = (await import(pathToFileURL(join(ROOT, file)).href)) as Record<string, unknown>;
    for (const d of decls) {
      declared.push(d);
      values.set(`${file}#${d.name}`, mod[d.name]);
      if (file === TABLE_FILE && isIdTable(mod[d.name])) tables.set(d.name, mod[d.name] as Record<string, number>);
    }
  }
  return { tables, declared, values };
}

describe('one source for each fact', () => {
  it('packet-ids.ts has the five id tables, and no table names one value twice', async () => {
    const { tables } = await scanProtocol();
    expect([...tables.keys()].sort()).toEqual(['CRYPTO_PAYLOAD_ID', 'DHT_REQUEST_ID', 'ONION_DATA_ID', 'PACKET_ID', 'TCP_PACKET_ID']);
    const twice: string[] = [];
    for (const [table, entries] of tables) {
      const byValue = new Map<number, string[]>();
      for (const [k, v] of Object.entries(entries)) byValue.set(v, [...(byValue.get(v) ?? []), `${table}.${k}`]);
      for (const [v, names] of byValue) if (names.length > 1) twice.push(`${names.join(' = ')} = ${v}`);
    }
    expect(twice).toEqual([]);
  });

  it('no other exported constant of protocol/ names a packet id (deprecated aliases aside)', async () => {
    const { tables, declared, values } = await scanProtocol();
    const entriesWith = (v: number): string[] => {
      const out: string[] = [];
      for (const [table, entries] of tables) for (const [k, x] of Object.entries(entries)) if (x === v) out.push(`${table}.${k}`);
      return out;
    };
    const problems: string[] = [];
    for (const d of declared) {
      if (!ID_NAME.test(d.name) || NOT_AN_ID.test(d.name)) continue;
      const value = values.get(`${d.file}#${d.name}`);
      if (d.file === TABLE_FILE && tables.has(d.name)) continue;
      if (isIdTable(value)) {
        problems.push(`${d.file}: table ${d.name} defines ids outside ${TABLE_FILE}`);
        continue;
      }
      if (!isByte(value)) continue; // lists of ids (ONION_EXIT_PAYLOAD_IDS) name table entries, not new ids
      const alias = DEPRECATED_ALIASES[d.name];
      if (alias !== undefined) {
        if (!d.deprecated) problems.push(`${d.file}: ${d.name} must be marked @deprecated (use ${alias})`);
        if (!entriesWith(value).includes(alias)) problems.push(`${d.file}: ${d.name} = ${value} is not ${alias}`);
        continue;
      }
      const role = ROLE_BY_NAME.find(([re]) => re.test(d.name))?.[1];
      const all = entriesWith(value);
      const inRole = all.filter((e) => e.startsWith(`${role}.`));
      const same = inRole.length > 0 ? inRole : all;
      problems.push(
        same.length > 0
          ? `${d.file}: ${d.name} = ${d.init} is a second name for ${same.join(' / ')}`
          : `${d.file}: ${d.name} = ${d.init} is a packet id outside ${TABLE_FILE}`,
      );
    }
    expect(problems).toEqual([]);
  });

  it('no exported constant outside packet-ids.ts is a one-byte hex literal', async () => {
    const { declared } = await scanProtocol();
    const hex = declared.filter((d) => d.file !== TABLE_FILE && d.initIsByteHex).map((d) => `${d.file}: ${d.name} = ${d.init}`);
    expect(hex).toEqual([]);
  });

  it('no `case 0x…:` literal in protocol/, cli/, inspector/, conformance/ or harness/', () => {
    const found: string[] = [];
    for (const dir of ['protocol', 'runtime', 'cli', 'inspector', 'conformance', 'harness']) {
      for (const file of sourceFiles(dir, /\.(ts|mts|js|mjs)$/)) found.push(...hexCaseLiterals(file, readFileSync(join(ROOT, file), 'utf8')));
    }
    expect(found).toEqual([]);
  });

  it('the checks see what they look for (self-test on snippets)', () => {
    expect(hexCaseLiterals('x.ts', 'switch (id) { case 0x83: break; case PACKET_ID.ping_request: break; } // case 0x84:')).toEqual(['x.ts:1: case 0x83']);
    expect(hexCaseLiterals('x.js', "switch (b[0]) { case (0x1a): f(); }\nconst s = 'case 0x1b:';")).toEqual(['x.js:1: case 0x1a']);
    const d = exportedConsts('x.ts', '/** @deprecated Use T.a. */\nexport const PACKET_ID_A = T.a;\nexport const NET_PACKET_B = 0x18;\nconst C = 0x19;');
    expect(d.map((x) => [x.name, x.deprecated, x.initIsByteHex])).toEqual([
      ['PACKET_ID_A', true, false],
      ['NET_PACKET_B', false, true],
    ]);
    for (const n of ['PACKET_ID_ONLINE', 'NET_PACKET_COOKIE_REQUEST', 'DHT_PK_PAYLOAD_ID', 'ONION_DATA_ID', 'CRYPTO_PACKET_DHTPK']) expect(ID_NAME.test(n) && !NOT_AN_ID.test(n)).toBe(true);
    for (const n of ['PING_ID_SIZE_BYTES', 'PACKET_ID_RANGE_LOSSY_END', 'TOX_ID_HEX_LENGTH', 'IP_TYPE_UDP_IPV4', 'MAX_SENT_NODES']) expect(ID_NAME.test(n) && !NOT_AN_ID.test(n)).toBe(false);
  });
});
