/**
 * The resident type checker (./resident-checker.ts) from a V8 startup snapshot: the first kernel after the
 * resident has gone waits for the resident's start, most of it TypeScript parsing and binding the standard
 * library and Node's types (~0.65 s of a ~0.95 s first result). A resident started from this snapshot has
 * TypeScript evaluated and those files parsed and bound in its heap; noiselab's declarations it reads later,
 * as a resident does, for its spare. (The kernel's own snapshot, ./snapshot-checker.ts, also holds them: a
 * heap twice the size, whose deserialization takes longer than this parse.)
 *
 * ./snapshot.ts bundles this with TypeScript and builds the blob (`npm run setup`), with the resident's V8
 * flags (a blob starts only under the flags it was built with); ./resident.ts starts
 * `node <flags> --snapshot-blob <blob> <socket> <key>` where the blob of the current key is there, and the
 * resident without it where that fails. The files are dated as they were read at build time: one changed
 * on disk since is read again when a session needs it.
 */
import * as v8 from 'node:v8';
import * as ts from 'typescript';
import { runResident } from './resident-checker.js';
import { warmForSnapshot } from './snapshot-warm.js';

if (v8.startupSnapshot?.isBuildingSnapshot()) {
  const { parsed } = warmForSnapshot(ts);
  // started from the blob, the arguments follow node's own (no script in between)
  v8.startupSnapshot.setDeserializeMainFunction(() => runResident(process.argv.slice(1), { ts, parsed }));
}
