// The baseline of scripts/bench-pipeline.mjs: "what a user would write in an afternoon".
// A bare BullMQ worker (concurrency 1) whose processor GETs the object from S3, quantizes it with
// sharp/libimagequant (`png({ palette: true, colours })`, default effort) and PUTs the PNG back.
//
// Environment: REDIS_URL, BASELINE_QUEUE, KPRESS_PREFIX (BullMQ prefix), S3_ENDPOINT,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
// Job data: { bucket, key, outBucket, outKey, colours }.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';

/** @param {string} name */
function requiredEnv(name) {
  const value = process.env[name];
  if (value === undefined) throw new Error(`baseline worker: environment variable ${name} is not set`);
  return value;
}

const s3 = new S3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  credentials: {
    accessKeyId: requiredEnv('AWS_ACCESS_KEY_ID'),
    secretAccessKey: requiredEnv('AWS_SECRET_ACCESS_KEY'),
  },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });

const worker = new Worker(
  process.env.BASELINE_QUEUE ?? 'baseline',
  async (job) => {
    const { bucket, key, outBucket, outKey, colours } = job.data;
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!got.Body) throw new Error(`s3://${bucket}/${key}: GetObject returned no body`);
    const input = Buffer.from(await got.Body.transformToByteArray());
    const output = await sharp(input).png({ palette: true, colours }).toBuffer();
    await s3.send(
      new PutObjectCommand({
        Bucket: outBucket,
        Key: outKey,
        Body: output,
        ContentType: 'image/png',
        ContentLength: output.length,
      }),
    );
    return { bytesIn: input.length, bytesOut: output.length };
  },
  { connection, prefix: process.env.KPRESS_PREFIX ?? 'bull', concurrency: 1 },
);
worker.on('error', (error) => console.error('baseline worker error:', error));

const stop = async () => {
  await worker.close();
  connection.disconnect();
  s3.destroy();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
