/**
 * One change to TypeScript's own script, made wherever the checker loads it (./typescript-cache.ts, and the
 * snapshots' bundles, ./snapshot.ts): a program built on the previous one (every check builds one) works out
 * each of its ~1100 files' module format again, walking up its folders for a package.json (half of a check,
 * ~5 ms, with noiselab's declarations in the program: profiled). With the change, a compiler host that keeps
 * a Map as `sourceFileOptionsMemo` gets each file's answer worked out once; the host clears the Map with its
 * module resolution cache (TypeScript caches the package.json files themselves there, so the answer is as
 * current as TypeScript's own would be). A host without the Map, or a TypeScript whose text differs, is as
 * before: the change is made only where the function reads exactly as below.
 */

/** The function whose answers are memoized: inside createProgram, TypeScript 5.x. */
const SIGNATURE = 'function getCreateSourceFileOptions(fileName, moduleResolutionCache2, host2, options2) {';

const MEMOIZED = `function getCreateSourceFileOptions(fileName, moduleResolutionCache2, host2, options2) {
    const memo = host2.sourceFileOptionsMemo;
    if (!memo) return getCreateSourceFileOptionsUnmemoized(fileName, moduleResolutionCache2, host2, options2);
    let known = memo.get(fileName);
    if (known === void 0) memo.set(fileName, known = getCreateSourceFileOptionsUnmemoized(fileName, moduleResolutionCache2, host2, options2));
    return known;
  }
  function getCreateSourceFileOptionsUnmemoized(fileName, moduleResolutionCache2, host2, options2) {`;

/** TypeScript's script with the change, and whether it was made (the text had the function once). */
export function patchTypeScript(text: string): { text: string; patched: boolean } {
  const at = text.indexOf(SIGNATURE);
  if (at < 0 || text.indexOf(SIGNATURE, at + 1) >= 0) return { text, patched: false };
  return { text: text.slice(0, at) + MEMOIZED + text.slice(at + SIGNATURE.length), patched: true };
}
