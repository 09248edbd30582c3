/** A mistake in how noiselab was called (an argument, a variable): the CLI prints it and exits 2. */
export class UsageError extends Error {}
