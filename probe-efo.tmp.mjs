import { performance } from 'node:perf_hooks';
import { KinesisClient, createActiveStream } from './bench/lib/kinesis-client.mjs';
import { openConsumer, registerConsumer } from './bench/lib/efo-subscriber.mjs';
import { startTributary } from './bench/lib/systems.mjs';
import { killEverything } from './bench/lib/children.mjs';
const server = await startTributary({ durability: process.argv[2] ?? 'os', nodeOptions: process.argv[3] ? ['--cpu-prof', '--cpu-prof-dir=/tmp/efo/prof'] : [] });
try {
  const admin = new KinesisClient(server.url);
  const shardIds = await createActiveStream(admin, { streamName: 'p', shardCount: 1 });
  const arn = await registerConsumer(server.url, 'arn:aws:kinesis:us-east-1:000000000000:stream/p', 'c');
  const sent = new Map(); const lat = []; const acks = [];
  const consumer = await openConsumer(server.url, arn, shardIds, (records, at) => { for (const r of records) lat.push(at - sent.get(r.PartitionKey)); });
  for (let i = 0; i < 400; i++) {
    const key = `k-${i}`; sent.set(key, performance.now());
    const t = performance.now();
    await admin.call('PutRecord', { StreamName: 'p', PartitionKey: key, Data: 'AAAA' });
    acks.push(performance.now() - t);
    await new Promise(r => setTimeout(r, 2));
  }
  await new Promise(r => setTimeout(r, 500));
  const q = (a) => { const s=[...a].sort((x,y)=>x-y); return [s[Math.floor(s.length/2)], s[s.length-1]].map(v=>v?.toFixed(2)); };
  console.log('deliveries', lat.length, 'latency p50/max', q(lat), 'ack p50/max', q(acks));
  consumer.close(); await admin.close();
} finally { await server.stop(); killEverything(); }
