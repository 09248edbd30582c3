/** Rich output in a tslab notebook: a full MIME bundle in one display message. */
import { createRequire } from 'node:module';

type DisplayWriter = (msg: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void;

/**
 * Displays `data` (MIME type -> value; include text/plain) when running in a tslab kernel and returns
 * true; elsewhere returns false and the caller prints a fallback.
 */
export function displayBundle(data: Record<string, unknown>): boolean {
  const writer = displayWriter();
  if (!writer) return false;
  writer({ data, metadata: {}, transient: {} }, false);
  return true;
}

function displayWriter(): DisplayWriter | null {
  try {
    // tslab's public display.raw sends one MIME type per message; its writer sends a full bundle
    return (createRequire(import.meta.url)('tslab/dist/jupyter.js') as { lastWriteDisplayData: DisplayWriter | null }).lastWriteDisplayData;
  } catch {
    return null; // not in a tslab kernel
  }
}

/** True inside a tslab kernel, where displayBundle shows rich output. */
export const inNotebook = (): boolean => displayWriter() !== null;
