/**
 * A lean SubscribeToShard reader for the fan-out benchmark: one HTTP/2 session per consumer (as a
 * KCL worker has), one stream per shard, frames taken apart with the AWS SDK's event-stream codec
 * (@smithy/core/event-streams) and JSON payloads parsed as they arrive. It reports each event's
 * records with the moment their frame was decoded, so latency excludes no part of the delivery
 * but also adds no SDK deserialisation on top of it (Redis is read with a raw client too).
 */
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { Decoder, Encoder } from 'cbor-x';
import { fakeAuthorization, jsonContentType, KinesisClient } from './kinesis-client.mjs';

const cborContentType = 'application/x-amz-cbor-1.1';
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);
const consumerPollsMax = 600;

/** Registers a consumer and waits (bounded) until it is ACTIVE; returns its ARN. */
export async function registerConsumer(url, streamArn, consumerName) {
  const client = new KinesisClient(url);
  try {
    const call = async (operation, input) => {
      const { statusCode, body } = await client.send(operation, input);
      if (statusCode !== 200) throw new Error(`${operation} answered ${statusCode}: ${body.toString('utf8')}`);
      return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    };
    const registered = await call('RegisterStreamConsumer', { StreamARN: streamArn, ConsumerName: consumerName });
    const arn = registered.Consumer.ConsumerARN;
    for (let poll = 0; poll < consumerPollsMax; poll++) {
      const described = await call('DescribeStreamConsumer', { ConsumerARN: arn });
      if (described.ConsumerDescription.ConsumerStatus === 'ACTIVE') return arn;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`consumer ${consumerName} did not become ACTIVE`);
  } finally {
    await client.close();
  }
}

/**
 * Opens one consumer's subscriptions to `shardIds` over one HTTP/2 session, in `format` ('cbor', as
 * the Java SDK and KCL subscribe, or 'json'). `onRecords(records, arrivedAt)` gets each event's
 * records (PartitionKey, and Data as base64 text in JSON or bytes in CBOR). Resolves once every
 * subscription delivered its initial-response.
 */
export async function openConsumer(url, consumerArn, shardIds, onRecords, format = 'cbor') {
  const cbor = format === 'cbor';
  const session = http2.connect(url);
  session.on('error', () => undefined);
  const streams = await Promise.all(
    shardIds.map(
      (shardId) =>
        new Promise((resolve, reject) => {
          const request = session.request({
            ':method': 'POST',
            ':path': '/',
            'content-type': cbor ? cborContentType : jsonContentType,
            'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
            'x-amz-date': '20260101T000000Z',
            authorization: fakeAuthorization,
          });
          // Chunks of the frame being received: joined once the whole frame is here (joining on every
          // chunk copied a 1 MiB frame ~64 times and made the consumers, not the server, the bottleneck).
          let chunks = [];
          let buffered = 0;
          let started = false;
          request.on('response', (headers) => {
            if (headers[':status'] !== 200) reject(new Error(`SubscribeToShard answered ${headers[':status']}`));
          });
          request.on('data', (chunk) => {
            const arrivedAt = performance.now();
            chunks.push(chunk);
            buffered += chunk.length;
            for (;;) {
              if (buffered < 4) break;
              if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, buffered)];
              const length = chunks[0].readUInt32BE(0);
              if (buffered < length) break;
              const pending = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
              const message = codec.decode(pending.subarray(0, length));
              const rest = pending.subarray(length);
              chunks = rest.length > 0 ? [rest] : [];
              buffered = rest.length;
              const eventType = message.headers[':event-type']?.value;
              if (eventType === 'initial-response') {
                started = true;
                resolve(request);
              } else if (eventType === 'SubscribeToShardEvent') {
                const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
                const event = cbor ? cborDecoder.decode(body) : JSON.parse(body.toString('utf8'));
                if (event.Records.length > 0) onRecords(event.Records, arrivedAt);
              }
            }
          });
          request.on('error', (error) => (started ? undefined : reject(error)));
          const input = { ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: 'LATEST' } };
          request.end(cbor ? Buffer.from(cborEncoder.encode(input)) : JSON.stringify(input));
        }),
    ),
  );
  return {
    close() {
      for (const stream of streams) stream.close(http2.constants.NGHTTP2_CANCEL);
      session.destroy();
    },
  };
}
