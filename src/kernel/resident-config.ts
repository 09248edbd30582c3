/**
 * The resident type checker's settings that both sides need: the resident itself (./resident-checker.ts,
 * bundled into its snapshot, so nothing here imports the kernel's other modules) and the kernel that starts
 * it (./resident.ts).
 */

/** The kernel's modules the resident runs, whether started from its snapshot or not (each start's entry adds its own). */
export const RESIDENT_CORE_MODULES = ['resident-checker.js', 'resident-config.js', 'checker-service.js', 'typecheck.js', 'typescript-cache.js', 'typescript-patch.js', 'cell.js'];

/** Seconds a resident without a kernel waits before it leaves (NOISELAB_KERNEL_RESIDENT_IDLE_S). */
export const RESIDENT_IDLE_S = 1800;

/**
 * V8's young generation for the resident: a check builds a program and a type checker that live until the
 * next check, so with the default semi-spaces every second or third check paid a scavenge of ~12 ms
 * copying them (a check's median: 12 ms in-process, 9-10 ms with these). Its snapshot is built with them
 * too (a blob starts only under the V8 flags it was built with).
 */
export const RESIDENT_NODE_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];

/** NOISELAB_KERNEL_RESIDENT_IDLE_S, checked (a kernel refuses the resident for a bad value, saying so), else the default. */
export function residentIdleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.NOISELAB_KERNEL_RESIDENT_IDLE_S;
  if (v === undefined || v === '') return RESIDENT_IDLE_S;
  const s = Number(v);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`NOISELAB_KERNEL_RESIDENT_IDLE_S=${v} is not a number of seconds above 0`);
  return s;
}
