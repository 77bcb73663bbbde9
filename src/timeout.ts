/**
 * Waiting for something at most so long. Plain TypeScript, no DOM.
 */

/**
 * What `promise` resolves with, or `fallback` when it takes longer than `ms`
 * milliseconds (a rejection passes through); the timer is cleared either way.
 */
export async function withTimeout<T, F>(
  promise: Promise<T>,
  ms: number,
  fallback: F
): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<F>(resolve => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
