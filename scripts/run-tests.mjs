#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/**/*.test.js) and the benchmark harness's smoke
// test (bench/*.test.mjs) with node's test runner.
// Usage: node scripts/run-tests.mjs [filter substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const roots = ['packages/server/dist', 'packages/client/dist'];
const filters = process.argv.slice(2);
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => full.includes(f))))
      files.push(full);
  }
}
for (const root of roots) walk(root);
for (const name of readdirSync('bench')) {
  const full = path.join('bench', name);
  if (name.endsWith('.test.mjs') && (filters.length === 0 || filters.some((f) => full.includes(f)))) files.push(full);
}
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
