/**
 * Turning a rejection reason into text for the user or the model.
 */

/** The message of an error (a failed request carries the server's `message`). */
export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
