/**
 * The kernel's type checker: a cell is checked against the session before it runs, with the
 * declarations of the cells run before it in view, as they are at run time (compile.ts makes them
 * globals), and only the new cell's errors are reported, in the cell's own lines and columns.
 *
 * The session is a set of virtual ES modules in the notebook's folder, one per cell that ran, in one
 * TypeScript program kept warm (each check builds the next program on the last: only the cell's file is
 * parsed again). Each cell's file is
 *
 *     line 1:    the session's names that the cell mentions, as it sees them:
 *                `import a = __noiselab_3.a;` for a name last declared by cell 3 as a constant, function,
 *                class, type or import (names a later cell may not assign),
 *                `declare let v: typeof __noiselab_2.v;` for a `let` or `var` (assignable, as at run time;
 *                `any` for a `let v;` with neither type nor value);
 *     line 2...: the cell's source, unchanged (so a diagnostic's line is the cell's line);
 *     then:      `export { <every name the cell declares> };` and, once it ran, a global namespace
 *                `__noiselab_<n>` that re-exports them (`export import a = <the module>.a`).
 *
 * A name the cell declares itself is left out of its line 1, so a later cell may declare `const x` again
 * (compile.ts allows it: declarations become assignments) and sees the latest declaration's type. A later
 * cell sees a `let` with its declared type: an assignment in one cell does not narrow it in another (cells
 * may run in any order). A cell is a module, so top-level await and imports are allowed; options follow
 * the notebooks' own type check (test/notebooks.test.ts): strict, ES2022, NodeNext, Node's types.
 *
 * Why namespaces and not imports between the cells' modules: a check must not change which modules
 * import which. TypeScript then reuses the previous program's whole structure and a check costs
 * milliseconds; a new import edge costs a walk over all ~1000 declaration files (~100 ms). Line 1's
 * aliases are not module imports, the files of the cells to come exist from the start (empty, 64 at a
 * time), and a cell's own `import` statements are the only edges that change: at its check, and when it
 * is added (while it runs: add() builds the next program then).
 *
 * Imports resolve from the notebook's folder first, then from the kernel's own (as the kernel imports).
 * Where cells import noiselab's source live (./live.ts), "noiselab" and its subpaths resolve to that
 * source, and its files are read again when they change on disk.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TS from 'typescript';
import type { CellDiagnostic } from './cell.js';
import { loadTypeScriptCached } from './typescript-cache.js';

export type { CellDiagnostic } from './cell.js';

export interface CheckResult {
  diagnostics: CellDiagnostic[];
  /** wall time of the check, ms */
  ms: number;
}

/**
 * TypeScript: the project's own, else the one tslab ships (a dependency), with the checker's change to its
 * text (./typescript-patch.ts: a check's program works out each file's module format once, not at every check).
 */
export function loadTypeScript(): typeof TS {
  // import.meta.url read here, not at the top level: the snapshots bundle this module as CommonJS, where it
  // is not there (and they pass their own TypeScript)
  return loadTypeScriptCached(null, import.meta.url).ts;
}

const FILE_PREFIX = '__noiselab_cell_';

/** Packages noiselab uses for browser rendering and its job queue, not for anything a notebook calls. */
const LIBRARY_ONLY = new Set(['playwright-core', 'ioredis', 'bullmq']);

/** Cell files made at a time: a new batch changes the program's root files (a full walk, once per batch). */
const SLOTS = 64;

/**
 * How later cells see a name: `fixed` (a constant, function, class, type or import: not assignable), `let`
 * (a `let` or `var`: assignable, of its type) or `untyped` (a `let x;` with neither type nor value: `any`,
 * as its type evolves in its own cell only).
 */
type Kind = 'fixed' | 'let' | 'untyped';

interface Binding {
  /** the cell (1-based, in the order they ran) that declared the name last */
  cell: number;
  kind: Kind;
}

interface Scanned {
  /** every top-level name, and how later cells see it */
  names: Map<string, Kind>;
  /** names the cell exports itself (`export const x`): not exported again */
  exported: Set<string>;
  /** every word of the source that could be an identifier: the session names it may use are among them */
  mentions: Set<string>;
}

export class SessionChecker {
  private readonly ts: typeof TS;
  private readonly options: TS.CompilerOptions;
  private readonly host: TS.CompilerHost;
  private program: TS.Program | undefined;
  /** the cells' files (virtual), each parsed once per text */
  private readonly files = new Map<string, { text: string; parsed?: TS.SourceFile }>();
  /**
   * the library's files, parsed once (they do not change during a session, live source excepted), each
   * dated as it was before its read (or as a pre-parsed one was: see `parsedFiles`); null: not on disk
   */
  private readonly disk = new Map<string, PreparsedFile | null>();
  /** live source files read, dated before their read */
  private readonly liveRead = new Map<string, FileDate>();
  /** the live checkout's src/ folder (with its separator), or null */
  private readonly liveSrc: string | null;
  private changed = true;
  /** the warm file, the cell to check, and the files of the cells that ran and of the next ones (empty until then) */
  private roots: string[] = [];
  private readonly bindings = new Map<string, Binding>();
  private readonly candidate: string;
  /** imports the modules cells are expected to use, so that they stay in the program (and parsed) */
  private readonly warm: string;
  private readonly fallbackFrom: string;
  private readonly resolutionHost: TS.ModuleResolutionHost;
  private readonly resolutionCache: TS.ModuleResolutionCache;
  /** each file's module format, worked out once while the resolution cache holds (./typescript-patch.ts) */
  private readonly sourceFileOptions = new Map<string, unknown>();
  private cells = 0;
  /** cell files made so far (the cells that ran, then empty ones) */
  private slots = 0;
  private lastChecked: { source: string; scanned: Scanned } | null = null;
  /** files parsed (and bound) before this checker was made, by path: used instead of reading them */
  private readonly preparsed: Map<string, PreparsedFile>;

  /**
   * @param cwd the notebook's folder (imports resolve from it, and the cells' virtual files live in it)
   * @param kernelDir a folder of the kernel's installation: bare imports that the notebook's folder does not
   *   resolve are resolved from it, as the kernel's import hook does
   * @param live the checkout whose source cells import live (./live.ts), or null
   * @param preparsed declaration and source files already parsed by an earlier checker with the same
   *   TypeScript and options (the snapshot checker's, ./snapshot-checker.ts), each dated before the text it
   *   parsed was read: one is used instead of reading and parsing the file again (TypeScript reuses its
   *   binding too) while that date holds when it is needed; a live source file edited later is read again at
   *   the next check
   */
  constructor(private readonly cwd: string, kernelDir: string, ts: typeof TS = loadTypeScript(), live: string | null = null,
    preparsed: ReadonlyMap<string, PreparsedFile> = new Map()) {
    this.ts = ts;
    this.preparsed = new Map(preparsed);
    this.liveSrc = live ? join(live, 'src', '/') : null;
    this.candidate = join(cwd, `${FILE_PREFIX}next.mts`);
    this.fallbackFrom = join(kernelDir, `${FILE_PREFIX}resolve.mts`);
    this.warm = join(cwd, `${FILE_PREFIX}warm.mts`);
    this.roots.push(this.warm, this.candidate);
    this.setFile(this.warm, EMPTY);
    this.setFile(this.candidate, EMPTY);
    this.ensureSlots(1);
    this.options = {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      typeRoots: typeRoots(cwd, kernelDir),
      skipLibCheck: true,
      skipDefaultLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      experimentalDecorators: true,
      allowJs: true,
      noEmit: true,
    };
    const files = this.files;
    const sys = ts.sys;
    this.resolutionHost = {
      fileExists: (f) => files.has(f) || sys.fileExists(f),
      readFile: (f) => files.get(f)?.text ?? sys.readFile(f),
      directoryExists: (d) => sys.directoryExists(d),
      realpath: sys.realpath,
      getCurrentDirectory: () => cwd,
      getDirectories: sys.getDirectories,
    };
    const canonical = sys.useCaseSensitiveFileNames ? (f: string) => f : (f: string) => f.toLowerCase();
    this.resolutionCache = ts.createModuleResolutionCache(cwd, canonical, this.options);
    // A program of its own rather than a LanguageService: half the cost of a check (no document registry,
    // no snapshots). Unchanged files are the same SourceFile objects, so TypeScript reuses the previous
    // program's structure and binding. getModuleResolutionCache is not in the public type, but the
    // program uses it (package.json lookups, for each of ~1000 files at each check, are cached).
    const host: TS.CompilerHost & { getModuleResolutionCache(): TS.ModuleResolutionCache; sourceFileOptionsMemo: Map<string, unknown> } = {
      getSourceFile: (f, languageVersionOrOptions) => {
        const v = files.get(f);
        if (v) return (v.parsed ??= ts.createSourceFile(f, v.text, languageVersionOrOptions));
        let known = this.disk.get(f);
        if (known === undefined) {
          // each is taken once: a live file edited later is read again (a pre-parsed one is dated by the text
          // it was parsed from, so an edit made after the checker started is seen at the next check)
          let pre = this.preparsed.get(f);
          this.preparsed.delete(f);
          // a pre-parsed file is taken while its date holds: it may be taken long after this checker was made
          if (pre && !unchangedSince(f, pre)) pre = undefined;
          // dated before it is read: a write after the date, even one before the read, shows as a change
          const date = pre ? { mtimeMs: pre.mtimeMs, size: pre.size } : dateOf(f, true);
          if (this.liveSrc && f.startsWith(this.liveSrc)) this.liveRead.set(f, date);
          let parsed = pre?.file;
          if (!parsed) {
            const text = sys.readFile(f);
            if (text !== undefined) parsed = ts.createSourceFile(f, text, languageVersionOrOptions);
          }
          known = parsed ? { file: parsed, ...date } : null;
          this.disk.set(f, known);
        }
        return known?.file;
      },
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      writeFile: () => undefined,
      getCurrentDirectory: () => cwd,
      getCanonicalFileName: canonical,
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
      getNewLine: () => '\n',
      fileExists: this.resolutionHost.fileExists,
      readFile: this.resolutionHost.readFile,
      directoryExists: this.resolutionHost.directoryExists,
      realpath: sys.realpath,
      getDirectories: sys.getDirectories,
      getModuleResolutionCache: () => this.resolutionCache,
      sourceFileOptionsMemo: this.sourceFileOptions,
      // doc comments are not needed for errors in TypeScript files: not parsing them saves a tenth of the warm-up
      jsDocParsingMode: ts.JSDocParsingMode?.ParseForTypeErrors,
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, sourceFile) =>
        literals.map((lit) => this.resolve(lit, containingFile, redirected, options, sourceFile)),
    };
    this.host = host;
  }

  /** The program for the files as they are now: the previous one, or one built on it. */
  private update(): TS.Program {
    if (this.changed || !this.program) {
      this.program = this.ts.createProgram({ rootNames: this.roots, options: this.options, host: this.host, oldProgram: this.program });
      this.changed = false;
    }
    return this.program;
  }

  /**
   * Loads what every check needs, the standard library and Node's types, and keeps `modules` (the ones cells
   * are expected to import) in the program for the session: a cell's import of them then costs nothing.
   */
  warmUp(modules: string[] = []): CheckResult {
    this.setFile(this.warm, `${modules.map((m) => `import ${JSON.stringify(m)};`).join(' ')}\nexport {};\n`);
    return this.check('');
  }

  /** The errors of a cell that would run next, in the cell's own lines; the session is unchanged. */
  check(source: string): CheckResult {
    const started = performance.now();
    const ts = this.ts;
    const scanned = this.scan(source);
    this.lastChecked = { source, scanned };
    this.rereadLive();
    this.setFile(this.candidate, this.render(source, scanned, 0));
    let found = this.diagnostics();
    if (found.some((d) => MODULE_NOT_FOUND.has(d.code))) {
      // a module not found may have been written since it was looked for: forget the failed lookups, once
      this.resolutionCache.clear();
      this.sourceFileOptions.clear();
      for (const [f, parsed] of this.disk) if (!parsed) this.disk.delete(f);
      this.program = undefined;
      found = this.diagnostics();
    }
    const lines = source.split('\n').length;
    const diagnostics: CellDiagnostic[] = [];
    for (const d of found) {
      if (d.category !== ts.DiagnosticCategory.Error || d.file === undefined || d.start === undefined) continue;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      // line 0 is the session line, the last one the exports: only the cell's own lines count
      if (line < 1 || line > lines) continue;
      diagnostics.push({ line, column: character + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
    }
    diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    return { diagnostics, ms: performance.now() - started };
  }

  /**
   * Every file this checker read from disk and parsed (not the cells' own), by path, dated as it was
   * before its read: a later checker may take it while the file's date on disk is still this one.
   */
  parsedFiles(): Map<string, PreparsedFile> {
    const out = new Map<string, PreparsedFile>();
    for (const [f, known] of this.disk) if (known) out.set(f, known);
    return out;
  }

  /** Live source files edited since they were read are read again (the rest of the program is reused). */
  private rereadLive(): void {
    for (const [f, date] of this.liveRead) {
      if (unchangedSince(f, date)) continue;
      this.liveRead.delete(f);
      this.disk.delete(f);
      this.changed = true;
    }
  }

  private diagnostics(): readonly TS.Diagnostic[] {
    const program = this.update();
    const file = program.getSourceFile(this.candidate)!;
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  }

  /** A cell ran (whether or not it finished): what it declares is in view of the cells after it. */
  add(source: string): void {
    const scanned = this.lastChecked?.source === source ? this.lastChecked.scanned : this.scan(source);
    this.lastChecked = null;
    const cell = ++this.cells;
    this.ensureSlots(cell);
    this.setFile(this.cellFile(cell), this.render(source, scanned, cell));
    for (const [name, kind] of scanned.names) this.bindings.set(name, { cell, kind });
    // A cell that imports changed the program's module edges (in its file, and in the candidate): the
    // next program costs a walk over every file. Done now, while the cell runs, with a candidate that
    // imports nothing, as most cells do, so that the next check changes no edge. (Other cells change no
    // edge: the next check's program is built on this one at little cost, and building one now would only
    // double that.)
    if (MAY_IMPORT.test(source)) {
      this.setFile(this.candidate, EMPTY);
      this.update();
    }
  }

  private cellFile(cell: number): string {
    return join(this.cwd, `${FILE_PREFIX}${cell}.mts`);
  }

  private ensureSlots(cell: number): void {
    if (cell <= this.slots) return;
    const from = this.slots + 1;
    this.slots += SLOTS;
    const more: string[] = [];
    for (let i = from; i <= this.slots; i++) {
      more.push(this.cellFile(i));
      this.setFile(this.cellFile(i), `\n${EMPTY}${namespace(i, [])}`);
    }
    this.roots = [...this.roots, ...more];
    this.changed = true;
  }

  private setFile(file: string, text: string): void {
    if (this.files.get(file)?.text === text) return;
    this.files.set(file, { text });
    this.changed = true;
  }

  /** A cell's file: line 1, the source, the exports, and (for a cell that ran, number `cell`) its namespace. */
  private render(source: string, scanned: Scanned, cell: number): string {
    const line1: string[] = [];
    for (const name of scanned.mentions) {
      const b = this.bindings.get(name);
      if (!b || scanned.names.has(name)) continue;
      const from = `${NS}${b.cell}.${name}`;
      line1.push(b.kind === 'fixed' ? `import ${name} = ${from};` : `declare let ${name}: ${b.kind === 'let' ? `typeof ${from}` : 'any'};`);
    }
    const own = [...scanned.names.keys()];
    const exports = `export { ${own.filter((n) => !scanned.exported.has(n)).join(', ')} };`;
    return `${line1.join(' ')}\n${source}\n${exports}\n${cell > 0 ? namespace(cell, own) : ''}`;
  }

  /** The names a cell declares at its top level: variables, functions, classes, types, enums, namespaces, imports. */
  private scan(source: string): Scanned {
    const ts = this.ts;
    const sf = ts.createSourceFile('cell.mts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const names = new Map<string, Kind>();
    const exported = new Set<string>();
    const constFlags = ts.NodeFlags.Const | (ts.NodeFlags.Using ?? 0);
    const bindingNames = (name: TS.BindingName, kind: Kind): void => {
      if (ts.isIdentifier(name)) names.set(name.text, kind);
      else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, kind);
    };
    for (const st of sf.statements) {
      const modifiers = ts.canHaveModifiers(st) ? ts.getModifiers(st) ?? [] : [];
      const isExported = modifiers.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) && !modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      const before = new Set(names.keys());
      if (ts.isVariableStatement(st)) {
        const mutable = (st.declarationList.flags & constFlags) === 0;
        for (const d of st.declarationList.declarations) bindingNames(d.name, !mutable ? 'fixed' : d.type || d.initializer ? 'let' : 'untyped');
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
        names.set(st.name.text, 'fixed');
      } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) {
        names.set(st.name.text, 'fixed');
      } else if (ts.isModuleDeclaration(st)) {
        if (ts.isIdentifier(st.name) && !(st.flags & ts.NodeFlags.GlobalAugmentation)) names.set(st.name.text, 'fixed');
      } else if (ts.isImportDeclaration(st) && st.importClause) {
        const clause = st.importClause;
        if (clause.name) names.set(clause.name.text, 'fixed');
        const bound = clause.namedBindings;
        if (bound && ts.isNamespaceImport(bound)) names.set(bound.name.text, 'fixed');
        else if (bound) for (const el of bound.elements) names.set(el.name.text, 'fixed');
      } else if (ts.isImportEqualsDeclaration(st)) {
        names.set(st.name.text, 'fixed');
      } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) exported.add(el.name.text);
      }
      if (isExported) for (const n of names.keys()) if (!before.has(n)) exported.add(n);
    }
    return { names, exported, mentions: new Set(source.match(WORD)) };
  }

  private resolve(lit: TS.StringLiteralLike, containingFile: string, redirected: TS.ResolvedProjectReference | undefined,
    options: TS.CompilerOptions, sourceFile: TS.SourceFile): TS.ResolvedModuleWithFailedLookupLocations {
    const ts = this.ts;
    // the library's own machinery, typed as any where its declarations use it: 2.8 MB of declarations (of
    // 7.6 MB in all) that a cell never reaches, parsed at every warm-up otherwise; a cell's own import of
    // one of these resolves as usual
    if (LIBRARY_ONLY.has(lit.text) && !this.isCell(containingFile)) return { resolvedModule: undefined };
    const live = this.liveSrc && /^noiselab(\/|$)/.test(lit.text) ? liveModule(this.liveSrc, lit.text) : null;
    if (live) return { resolvedModule: { resolvedFileName: live, extension: ts.Extension.Ts, isExternalLibraryImport: false } };
    const mode = ts.getModeForUsageLocation(sourceFile, lit, options);
    const found = ts.resolveModuleName(lit.text, containingFile, options, this.resolutionHost, this.resolutionCache, redirected, mode);
    if (found.resolvedModule || /^[./]/.test(lit.text) || !this.isCell(containingFile)) return found;
    // not found from the notebook's folder: from the kernel's, as the kernel's import hook does
    return ts.resolveModuleName(lit.text, this.fallbackFrom, options, this.resolutionHost, this.resolutionCache, redirected, mode);
  }

  private isCell(file: string): boolean {
    return dirname(file) === this.cwd && file.slice(this.cwd.length + 1).startsWith(FILE_PREFIX);
  }
}

/** the prefix of the cells' global namespaces: cell 3's is `__noiselab_3` */
const NS = '__noiselab_';
const EMPTY = '\nexport {};\n';
/**
 * A cell's names as a global namespace, through an import of its own module. A file to be filled has the same
 * import and an empty namespace: filling it changes no module edge where the cell imports nothing itself.
 */
const namespace = (cell: number, names: string[]) =>
  `import * as ${NS}self from ${JSON.stringify(`./${FILE_PREFIX}${cell}.mjs`)}; ` +
  `declare global { namespace ${NS}${cell} { ${names.map((n) => `export import ${n} = ${NS}self.${n};`).join(' ')} } }\n`;

/** what could add a module edge to a file: imports (static, dynamic, types), re-exports, module declarations */
const MAY_IMPORT = /\bimport\b|\bfrom\s*['"]|\bdeclare\s+(global|module)\b/;

/** TS2307 cannot find module, TS2792 cannot find module (did you mean to set moduleResolution) */
const MODULE_NOT_FOUND = new Set([2307, 2792]);

/** what could be an identifier (a superset: words in strings and comments too) */
const WORD = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/gu;

/** A file's modification time and size: a file with both unchanged is taken to have the same text. */
export interface FileDate {
  mtimeMs: number;
  size: number;
}

/**
 * A file modified this recently when it was dated may be written again within the same tick of the
 * file system's clock (coarse: milliseconds, seconds on some) with the same size, and the date would not
 * show it (git's "racily clean" entries): such a date is never taken for unchanged, so the file is read
 * again by the next check and by a later checker, by then dated once it has settled.
 */
export const RACY_MS = 2000;

/** the date of a file that was modified within RACY_MS of its dating: equal to no date on disk */
const RACY: FileDate = { mtimeMs: -2, size: -2 };

/** A file an earlier checker parsed, dated as it was before the text it parsed was read. */
export interface PreparsedFile extends FileDate {
  file: TS.SourceFile;
}

/**
 * A file's modification time and size (-1 where it is gone); with `forReuse`, a date that cannot vouch for
 * the text read after it (modified within RACY_MS) is RACY.
 */
export function dateOf(f: string, forReuse = false): FileDate {
  try {
    const st = statSync(f);
    // (within RACY_MS either way: a file server's clock may run a little ahead of ours; a time far ahead is no
    // tick a next write could share)
    if (forReuse && Math.abs(Date.now() - st.mtimeMs) < RACY_MS) return RACY;
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch { return { mtimeMs: -1, size: -1 }; }
}

/** Whether `f` is on disk as `date` says (the same modification time and size). */
export function unchangedSince(f: string, date: FileDate): boolean {
  const now = dateOf(f);
  return now.mtimeMs === date.mtimeMs && now.size === date.size && now.mtimeMs !== -1;
}


/** The source file of "noiselab" or one of its subpaths in a checkout's src/ (as package.json exports them), or null. */
function liveModule(src: string, spec: string): string | null {
  const sub = spec.slice('noiselab'.length);
  const file = sub === '' ? join(src, 'index.ts')
    : sub.startsWith('/techniques/') ? join(src, 'techniques', sub.slice('/techniques/'.length), 'index.ts')
    : sub.startsWith('/claims/') ? join(src, 'claims', `${sub.slice('/claims/'.length)}.ts`)
    : null;
  return file && existsSync(file) ? file : null;
}

/** node_modules/@types folders from the notebook's folder up, then from the kernel's. */
function typeRoots(cwd: string, kernelDir: string): string[] {
  const roots: string[] = [];
  for (const start of [cwd, kernelDir]) {
    for (let d = start; ; d = dirname(d)) {
      const t = join(d, 'node_modules', '@types');
      if (existsSync(join(t, 'node')) && !roots.includes(t)) {
        roots.push(t);
        break;
      }
      if (dirname(d) === d) break;
    }
  }
  return roots;
}
