/** `node resident-main.js <socket> <key>`: the resident type checker (./resident-checker.ts) without a snapshot. */
import { runResident } from './resident-checker.js';

runResident(process.argv.slice(2));
