// Generates src/runtime/kernels.generated.ts, the one TypeScript declaration of the wasm module's
// exports, from the `export function` signatures of the files assembly/index.ts re-exports.
//
// Rules it enforces (the build fails otherwise), so that the boundary stays narrow and readable:
// - assembly/index.ts only re-exports whole files (`export * from './x'`); those files export
//   functions only (no globals, classes or enums), with no default arguments;
// - every export's name starts with its family, the file name before any '-' ("rbm-update.ts"
//   exports rbmUpdate…), so a reader finds a kernel by its name on both sides;
// - parameters and results are numbers: i32/u32/usize/bool/… cross as i32, i64/u64 as i64
//   (a JS bigint), f32 and f64 as themselves.
// A kernel with more than NAMED_FROM - 1 parameters is called from TypeScript with one object of
// named arguments (`kernels().gemm({ transA, transB, m, … })`), so two swapped numbers no longer
// type-check; the generated wrapper passes them on in the order the source declares.
// test/kernel-boundary.test.ts checks every declared signature against the compiled binary.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Kernels with at least this many parameters take their arguments by name. */
export const NAMED_FROM = 7;

const WASM_TYPES = {
  i32: 'i32',
  u32: 'i32',
  i16: 'i32',
  u16: 'i32',
  i8: 'i32',
  u8: 'i32',
  bool: 'i32',
  usize: 'i32',
  isize: 'i32',
  i64: 'i64',
  u64: 'i64',
  f32: 'f32',
  f64: 'f64',
};

function fail(file, message) {
  throw new Error(`${file}: ${message} (scripts/kernel-declarations.mjs)`);
}

/** `rbm-update.ts` → `rbm`, `elementwise.ts` → `elementwise`. */
function familyOf(file) {
  return basename(file, '.ts').split('-')[0];
}

/** The files assembly/index.ts re-exports, in order. */
function boundaryFiles(root) {
  const index = join(root, 'assembly/index.ts');
  const source = stripComments(readFileSync(index, 'utf8'));
  const files = [];
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    const match = /^export \* from '\.\/([\w-]+)';$/.exec(text);
    if (!match) fail('assembly/index.ts', `only \`export * from './file';\` lines may be here, found: ${text}`);
    files.push(`assembly/${match[1]}.ts`);
  }
  return files;
}

/** The source with comments blanked to spaces, offsets kept (assembly/ has no strings holding comment markers). */
function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
}

/** The text of a doc comment, one string per line, without the markers. */
function docLines(comment) {
  return comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim()
    .split('\n');
}

function parseFile(root, file) {
  const source = readFileSync(join(root, file), 'utf8');
  const code = stripComments(source);
  const family = familyOf(file);
  const other = /^export\s+(?!function\b)(\w+)/m.exec(code);
  if (other) fail(file, `exports a ${other[1]}: the wasm boundary takes functions only`);
  const kernels = [];
  const signature = /export\s+function\s+(\w+)\s*\(([^)]*)\)\s*:\s*(\w+)/g;
  for (let match; (match = signature.exec(code)) !== null; ) {
    const [, name, paramText, resultType] = match;
    if (!name.startsWith(family)) fail(file, `export ${name} must be named ${family}… after its file`);
    const params = paramText
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((p) => {
        const parts = /^(\w+)\s*:\s*(\w+)$/.exec(p);
        if (!parts) fail(file, `${name}: parameter \`${p}\` must be \`name: type\` without a default`);
        const type = WASM_TYPES[parts[2]];
        if (!type) fail(file, `${name}: parameter ${parts[1]} has type ${parts[2]}, not a number type`);
        return { name: parts[1], type };
      });
    const result = resultType === 'void' ? 'void' : WASM_TYPES[resultType];
    if (!result) fail(file, `${name}: result type ${resultType} is not a number type`);
    // The doc comment ends right before the export (in the original text, same offsets).
    const before = source.slice(0, match.index).trimEnd();
    const doc = before.endsWith('*/') ? before.slice(before.lastIndexOf('/**')) : '';
    kernels.push({ name, file, params, result, doc: doc.startsWith('/**') ? docLines(doc) : [] });
  }
  return kernels;
}

/** Every kernel of the boundary, in the module's export order. */
export function readKernels(root) {
  const kernels = boundaryFiles(root).flatMap((file) => parseFile(root, file));
  const seen = new Set();
  for (const k of kernels) {
    if (seen.has(k.name)) fail(k.file, `${k.name} is exported twice`);
    seen.add(k.name);
  }
  return kernels;
}

const tsType = (type) => (type === 'i64' ? 'bigint' : type === 'void' ? 'void' : 'number');
const capitalized = (name) => name[0].toUpperCase() + name.slice(1);
const named = (k) => k.params.length >= NAMED_FROM;

function jsdoc(lines, indent, extra = []) {
  const all = [...lines, ...(lines.length > 0 && extra.length > 0 ? [''] : []), ...extra];
  if (all.length === 0) return '';
  return `${indent}/**\n${all.map((l) => `${indent} *${l === '' ? '' : ` ${l.replace(/\*\//g, '*\\/')}`}`).join('\n')}\n${indent} */\n`;
}

/** The text of src/runtime/kernels.generated.ts. */
export function declarationSource(kernels) {
  const out = [];
  out.push(
    '// Generated by scripts/build-wasm.mjs (scripts/kernel-declarations.mjs) from the exports of',
    '// assembly/. Do not edit: change the kernel in assembly/ and rebuild. docs/ARCHITECTURE.md,',
    '// "The kernel boundary", says how a kernel is declared and called.',
    '',
    '/** A wasm value type of a kernel parameter or result. */',
    "export type WasmType = 'i32' | 'i64' | 'f32' | 'f64';",
    '',
    '/** A kernel as its source declares it: file, parameters (name and wasm type) in order, result. */',
    'export interface KernelSignature {',
    '  readonly file: string;',
    '  readonly params: ReadonlyArray<readonly [name: string, type: WasmType]>;',
    "  readonly result: WasmType | 'void';",
    '}',
    '',
    '/** Every export of the module, in export order; test/kernel-boundary.test.ts checks it against the binary. */',
    'export const KERNEL_SIGNATURES = {',
  );
  for (const k of kernels) {
    const params = k.params.map((p) => `['${p.name}', '${p.type}']`).join(', ');
    out.push(`  ${k.name}: { file: '${k.file}', params: [${params}], result: '${k.result}' },`);
  }
  out.push('} as const satisfies Record<string, KernelSignature>;', '');
  out.push('/** The name of a kernel (a function export of the module). */');
  out.push('export type KernelName = keyof typeof KERNEL_SIGNATURES;', '');

  out.push(
    '/**',
    ' * The module\'s exports as compiled, every kernel positional. Only the runtime (which binds',
    ' * {@link Kernels} to them and names them to worker threads) and the boundary test use this form.',
    ' */',
    'export interface WasmExports {',
    '  readonly memory: WebAssembly.Memory;',
  );
  for (const k of kernels) {
    out.push(jsdoc(k.doc, '  ', [`(${k.file})`]).trimEnd());
    const params = k.params.map((p) => `${p.name}: ${tsType(p.type)}`).join(', ');
    out.push(`  ${k.name}(${params}): ${tsType(k.result)};`);
  }
  out.push('}', '');

  for (const k of kernels.filter(named)) {
    out.push(`/** The arguments of {@link Kernels.${k.name}} by name (${k.file}). */`);
    out.push(`export interface ${capitalized(k.name)}Args {`);
    for (const p of k.params) out.push(`  ${p.name}: ${tsType(p.type)};`);
    out.push('}', '');
  }

  out.push(
    '/**',
    ` * The kernels as TypeScript calls them: a kernel of ${NAMED_FROM} or more parameters takes one object of`,
    ' * named arguments, the others their arguments in order. Pointers are byte addresses in wasm',
    ' * memory, counts are elements.',
    ' */',
    'export interface Kernels {',
  );
  for (const k of kernels) {
    out.push(jsdoc(k.doc, '  ', [`(${k.file})`]).trimEnd());
    const params = named(k)
      ? `args: ${capitalized(k.name)}Args`
      : k.params.map((p) => `${p.name}: ${tsType(p.type)}`).join(', ');
    out.push(`  ${k.name}(${params}): ${tsType(k.result)};`);
  }
  out.push('}', '');

  out.push(
    '/**',
    ' * {@link Kernels} over `exports`. A named-argument wrapper reads `exports.<kernel>` at each call;',
    ' * the others are the export functions themselves, so bind again after replacing them.',
    ' */',
    'export function bindKernels(exports: WasmExports): Kernels {',
    '  return {',
  );
  for (const k of kernels) {
    if (named(k)) {
      const list = k.params.map((p) => `a.${p.name}`).join(', ');
      out.push(`    ${k.name}: (a) => exports.${k.name}(${list}),`);
    } else out.push(`    ${k.name}: exports.${k.name},`);
  }
  out.push('  };', '}', '');

  out.push(
    '/** The positional argument list of each named-argument kernel, for calls posted to worker threads. */',
    'export const argumentLists = {',
  );
  for (const k of kernels.filter(named)) {
    const list = k.params.map((p) => `a.${p.name}`).join(', ');
    const element = k.params.some((p) => p.type === 'i64') ? 'number | bigint' : 'number';
    out.push(`  ${k.name}: (a: ${capitalized(k.name)}Args): ${element}[] => [${list}],`);
  }
  out.push('};', '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

export function kernelDeclarationFile(root) {
  return { path: join(root, 'src/runtime/kernels.generated.ts'), source: declarationSource(readKernels(root)) };
}

// `node scripts/kernel-declarations.mjs` prints the declaration (handy while writing a kernel).
if (process.argv[1] && basename(process.argv[1]) === 'kernel-declarations.mjs') {
  process.stdout.write(kernelDeclarationFile(join(dirname(process.argv[1]), '..')).source);
}
