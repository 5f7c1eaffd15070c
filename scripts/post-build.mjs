// After tsc: make the CLI entry executable, so `npx tributary` works through npm's bin link.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../packages/server/dist/cli/main.js', import.meta.url), 0o755);
