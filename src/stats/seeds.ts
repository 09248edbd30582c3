/** Run one experiment arm over several seeds, keeping every seed's outcome even when one fails. */

export type SeedOutcome<T> = { seed: number; ok: true; value: T } | { seed: number; ok: false; error: string };

/**
 * Runs `fn` for each seed in turn; a seed that throws becomes a failed outcome with its message instead of
 * ending the run.
 */
export async function runSeeds<T>(seeds: readonly number[], fn: (seed: number) => T | Promise<T>): Promise<SeedOutcome<T>[]> {
  const out: SeedOutcome<T>[] = [];
  for (const seed of seeds) {
    try {
      out.push({ seed, ok: true, value: await fn(seed) });
    } catch (e) {
      out.push({ seed, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** The values of the seeds that succeeded; throws naming the failed seeds if any did not. */
export function successes<T>(outcomes: SeedOutcome<T>[], what: string): T[] {
  const failed = outcomes.filter((o): o is Extract<SeedOutcome<T>, { ok: false }> => !o.ok);
  if (failed.length) throw new Error(`${what}: seeds failed: ${failed.map((f) => `${f.seed} (${f.error})`).join('; ')}`);
  return outcomes.map((o) => (o as { value: T }).value);
}
