/** First byte the host may use: everything below holds the module's static data. */
export function memoryHeapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}
