/**
 * What the kernel needs to know of its cell compiler without loading it (acorn and esbuild cost ~50 ms
 * at start, before the first kernel_info reply): the error a cell's syntax raises, and the global hook
 * compiled cells import through.
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
