/** Name of the implicit final state a failed action leads to when no on_failure is given. */
export const FAILED_STATE = '__failed';
