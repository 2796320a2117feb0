// Run by pushgateway.test.ts: a started, never-stopped periodic pusher must let the process exit.
import { MeterProvider } from '@otelkit/metrics';
import { PushgatewayPusher } from '../../src/pushgateway.js';

const mp = new MeterProvider();
mp.getMeter('m').createCounter('unref.runs').add(1);
const pusher = new PushgatewayPusher({ url: process.argv[2]!, job: 'unref', intervalMs: 60_000, store: mp.store });
await pusher.push();
pusher.start();
console.log('pushed');
