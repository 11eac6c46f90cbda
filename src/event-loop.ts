/** Resolves on a later turn of the event loop, so that long training lets timers, progress and messages run between epochs. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
