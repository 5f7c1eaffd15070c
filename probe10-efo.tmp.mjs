import { performance } from 'node:perf_hooks';
import { KinesisClient, createActiveStream } from './bench/lib/kinesis-client.mjs';
import { openConsumer, registerConsumer } from './bench/lib/efo-subscriber.mjs';
import { startTributary } from './bench/lib/systems.mjs';
import { killEverything } from './bench/lib/children.mjs';
import { readFileSync } from 'node:fs';
const prof = process.argv[3] === 'prof';
const server = await startTributary({ durability: process.argv[2] ?? 'os', nodeOptions: prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/efo/prof'] : [] });
const cpu = () => { const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
try {
  const admin = new KinesisClient(server.url);
  const producer = new KinesisClient(server.url, { connections: 4 });
  const shardIds = await createActiveStream(admin, { streamName: 'p', shardCount: 4 });
  const sent = new Map(); const lat = []; const acks = [];
  const consumers = [];
  for (let c = 0; c < 10; c++) {
    const arn = await registerConsumer(server.url, 'arn:aws:kinesis:us-east-1:000000000000:stream/p', 'c' + c);
    consumers.push(await openConsumer(server.url, arn, shardIds, (records, at) => { for (const r of records) lat.push(at - sent.get(r.PartitionKey)); }));
  }
  const cpu0 = cpu(); const t0 = performance.now();
  const inflight = [];
  for (let i = 0; i < 500; i++) {
    const due = t0 + i * 10; const w = due - performance.now(); if (w > 0) await new Promise(r => setTimeout(r, w));
    const key = `k${Math.random().toString(16).slice(2, 8)}-${i}`; sent.set(key, performance.now());
    const t = performance.now();
    inflight.push(producer.call('PutRecord', { StreamName: 'p', PartitionKey: key, Data: 'AAAA' }).then(() => acks.push(performance.now() - t)));
  }
  await Promise.all(inflight);
  await new Promise(r => setTimeout(r, 1000));
  const elapsed = performance.now() - t0; const used = cpu() - cpu0;
  const q = (a) => { const s=[...a].sort((x,y)=>x-y); return [s[Math.floor(s.length/2)], s[Math.floor(s.length*0.99)], s[s.length-1]].map(v=>v?.toFixed(2)); };
  console.log('deliveries', lat.length, 'latency p50/p99/max', q(lat), 'ack p50/p99/max', q(acks), 'server cpu %', (100*used/elapsed).toFixed(0));
  for (const c of consumers) c.close(); await admin.close(); await producer.close();
} finally { await server.stop(); killEverything(); }
