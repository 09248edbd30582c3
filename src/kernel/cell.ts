/**
 * What the kernel needs to know of its cell compiler without loading it (acorn and esbuild cost ~50 ms
 * at start, before the first kernel_info reply): the errors a cell's syntax and its types raise, and the
 * global hook compiled cells import through.
 */

/** A cell that does not parse: its line and column (1-based), and whether more input could complete it. */
export class CellSyntaxError extends Error {
  override name = 'SyntaxError';
  constructor(message: string, readonly line: number, readonly column: number, readonly incomplete: boolean) {
    super(message);
  }
}

/** The global function compiled cells call for `import` (resolving from the notebook's folder). */
export const IMPORT_HOOK = '__noiselabImport';

/** One type error in a cell: line and column (1-based) in the cell's own source, TypeScript's code and text. */
export interface CellDiagnostic {
  line: number;
  column: number;
  code: number;
  message: string;
}

/** A cell that does not type-check (./typecheck.ts): it did not run. The message lists every error. */
export class CellTypeError extends Error {
  override name = 'TSError';
  constructor(readonly diagnostics: CellDiagnostic[]) {
    super(diagnostics.map((d) => `${d.message} (line ${d.line}, column ${d.column}, TS${d.code})`).join('\n'));
  }
}
