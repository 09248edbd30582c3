/**
 * The noiselab command line. Each command's module is imported when it runs, so that help, the version
 * and usage errors answer at once (the engine, tfjs and the notebook runner take about a second to load).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { help, HELP } from './help.js';
import { projectRoot } from '../util/paths.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  claims: async (args) => (await import('./commands.js')).cmdClaims(args),
  reproduce: async (args) => (await import('./commands.js')).cmdReproduce(args),
  report: async (args) => (await import('./commands.js')).cmdReport(args),
  results: async (args) => (await import('./results.js')).cmdResults(args),
  run: async (args) => (await import('./run.js')).cmdRun(args),
  info: async (args) => (await import('./commands.js')).cmdInfo(args),
  worker: async (args) => (await import('./worker.js')).cmdWorker(args),
  help: async (args) => {
    if (args[0] && !HELP[args[0]]) throw new UsageError(`help: unknown command '${args[0]}'`);
    return help(args[0]);
  },
};

/** Run the CLI; returns the exit status (2 for usage errors, 1 for failures). */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') return help();
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`noiselab ${JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version}\n`);
    return 0;
  }
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new UsageError(`unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    if (HELP[cmd] && rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) return help(cmd);
    return await run(rest);
  } catch (e) {
    process.stderr.write(`noiselab: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
