import { logRecoverySuite } from './log-recovery-suite.js';
import { logSealedSuite } from './log-sealed-suite.js';
import { logStoreSuite } from './log-store-suite.js';
import { memoryEnvironment, nodeEnvironment } from './log-test-support.js';
import { logTrimSuite } from './log-trim-suite.js';

// One suite, every file system: the memory file system must behave exactly as the disk does.
for (const environment of [nodeEnvironment, memoryEnvironment]) {
  logStoreSuite(environment);
  logRecoverySuite(environment);
  logTrimSuite(environment);
  logSealedSuite(environment);
}
