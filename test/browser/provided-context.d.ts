// Values the chromium project's global setup computes in Node and tests read with `inject`.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** test/fixtures/bit-report.cjs run in Node. */
    nodeBitReport: Record<string, string>;
    /** test/browser/training-report.ts run in Node. */
    nodeTrainingReport: Record<string, string>;
  }
}
