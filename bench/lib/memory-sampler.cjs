// Loaded into the server with `node --require` by bench/memory-probe.mjs: every 50 ms it appends
// one JSON line to $TRIBUTARY_MEMORY_SAMPLES with process.memoryUsage(), the V8 heap spaces (MB)
// and RssAnon / RssFile from /proc/self/status. SIGUSR2 writes a heap snapshot next to the file.
'use strict';
const fs = require('node:fs');
const v8 = require('node:v8');

const file = process.env.TRIBUTARY_MEMORY_SAMPLES;
if (file) {
  const fd = fs.openSync(file, 'w');
  const statusBytes = (status, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const spaces = Object.fromEntries(
      v8.getHeapSpaceStatistics().map((space) => [space.space_name, Math.round(space.space_size / 1e6)]),
    );
    const sample = {
      t: Date.now(),
      rss: usage.rss,
      rssAnon: statusBytes(status, 'RssAnon'),
      rssFile: statusBytes(status, 'RssFile'),
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      arrayBuffers: usage.arrayBuffers,
      spaces,
    };
    fs.writeSync(fd, `${JSON.stringify(sample)}\n`);
  }, 50);
  timer.unref();
  process.on('SIGUSR2', () => {
    const snapshot = v8.writeHeapSnapshot(`${file}.${Date.now()}.heapsnapshot`);
    fs.writeSync(fd, `${JSON.stringify({ t: Date.now(), snapshot })}\n`);
  });
}
