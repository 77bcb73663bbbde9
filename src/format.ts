/**
 * Sizes as the panel shows them, to the user and in notes for the model.
 * Plain TypeScript, no DOM.
 */

/** Units above bytes, each 1024 times the one before. */
const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** `300` → `300 B`, `2048` → `2.0 KB`: sizes as the file browser shows them. */
export function formatSize(size: number): string {
  if (size < 1024) {
    return `${size} B`;
  }
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
