/**
 * What a checker's startup snapshot does at build time (`node --build-snapshot`, ./snapshot.ts), for both
 * blobs (./snapshot-checker.ts, ./resident-snapshot.ts): read its config, warm a checker on the files it
 * names, and write the manifest. Returns the config and the files parsed, each dated as the checker read it.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TS from 'typescript';
import type { SnapshotConfig, SnapshotManifest } from './snapshot.js';
import { SessionChecker, type PreparsedFile } from './typecheck.js';

export function warmForSnapshot(ts: typeof TS): { config: SnapshotConfig; parsed: Map<string, PreparsedFile> } {
  const config = JSON.parse(process.env.NOISELAB_SNAPSHOT_CONFIG ?? '{}') as SnapshotConfig;
  // TypeScript finds the standard library beside its own file: in the bundle that is the bundle's, so it is
  // told where its package is (kept in the snapshot)
  ts.sys.getExecutingFilePath = () => config.typescriptFile;
  // the cells' folder does not matter here: only the files read from disk are kept
  const checker = new SessionChecker(join(tmpdir(), 'noiselab-snapshot-cells'), config.kernelDir, ts, config.live);
  checker.warmUp(config.warm);
  const parsed = checker.parsedFiles();
  const manifest: SnapshotManifest = { key: config.key, node: process.version, typescript: ts.version, files: parsed.size, live: config.live, warm: config.warm };
  writeFileSync(config.manifest, JSON.stringify(manifest));
  return { config, parsed };
}
