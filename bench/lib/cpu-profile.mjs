/**
 * Summarizes a V8 .cpuprofile (what `node --cpu-prof` writes): self time and inclusive time per
 * function, as shares of all sampled time. Inclusive time counts a function once per sample even
 * when it recurses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function functionKey(callFrame, repositoryDirectory) {
  const name = callFrame.functionName || '(anonymous)';
  if (!callFrame.url) return name;
  let location = callFrame.url.replace(/^file:\/\//, '');
  if (location.startsWith(repositoryDirectory)) location = path.relative(repositoryDirectory, location);
  location = location.replace(/^.*node_modules\//, '');
  return `${name} (${location}:${callFrame.lineNumber + 1})`;
}

export function summarizeProfile(file, options = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const repositoryDirectory = options.repositoryDirectory ?? process.cwd();
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const keys = new Map(profile.nodes.map((node) => [node.id, functionKey(node.callFrame, repositoryDirectory)]));
  const self = new Map();
  const inclusive = new Map();
  let totalMicroseconds = 0;
  let idleMicroseconds = 0;
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    totalMicroseconds += delta;
    const key = keys.get(nodeId);
    if (key === '(idle)') idleMicroseconds += delta;
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set();
    for (let id = nodeId; id !== undefined; id = parents.get(id)) {
      const stackKey = keys.get(id);
      if (seen.has(stackKey)) continue;
      seen.add(stackKey);
      inclusive.set(stackKey, (inclusive.get(stackKey) ?? 0) + delta);
    }
  });
  const busyMicroseconds = totalMicroseconds - idleMicroseconds;
  const rank = (map, count) =>
    [...map.entries()]
      .filter(([key]) => key !== '(idle)' && key !== '(root)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, microseconds]) => ({
        function: key,
        milliseconds: microseconds / 1000,
        shareOfBusy: microseconds / busyMicroseconds,
      }));
  return {
    file,
    sampledSeconds: totalMicroseconds / 1e6,
    busySeconds: busyMicroseconds / 1e6,
    topSelf: rank(self, options.count ?? 25),
    topInclusive: rank(inclusive, options.count ?? 25),
  };
}
