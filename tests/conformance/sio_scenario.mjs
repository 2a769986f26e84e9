// One scenario of the Socket.IO conformance suite, driven by the real socket.io-client 4.x
// (the one the widget and the console ship). Prints one JSON line per observation.
//   node sio_scenario.mjs <url> <scenario> '<options JSON>'
// scenarios: roundtrip | refused | binary | reconnect
import { io } from 'socket.io-client';

const [url, scenario, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson || '{}');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const fail = (why) => { out({ error: why }); process.exit(1); };
setTimeout(() => fail('scenario timed out'), options.timeoutMs || 15000);

const socket = io(url, {
  auth: options.auth,
  transports: options.transports || ['websocket'],
  upgrade: options.upgrade !== false,
  reconnection: scenario === 'reconnect',
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
  timeout: 5000,
});
const events = [];
let first = null; // the transport the engine opened with (it may upgrade before `connect`)
socket.io.on('open', () => { first = first || socket.io.engine.transport.name; });
socket.onAny((name, data) => events.push({ name, data }));

async function ack(message) {
  return socket.timeout(5000).emitWithAck('message', message);
}

function upgraded() {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return Promise.resolve();
  return new Promise((resolve) => engine.once('upgrade', resolve));
}

if (scenario === 'roundtrip') {
  socket.on('connect', async () => {
    if (options.waitUpgrade) await upgraded();
    const reply = await ack(options.message);
    await new Promise((r) => setTimeout(r, 200));
    out({ connected: true, first, transport: socket.io.engine.transport.name, ack: reply, events });
    socket.disconnect();
    process.exit(0);
  });
  socket.on('connect_error', (e) => fail(`connect_error: ${e.message}`));
} else if (scenario === 'refused') {
  socket.on('connect', () => fail('connected with a bad credential'));
  socket.on('connect_error', (e) => { out({ message: e.message, data: e.data }); process.exit(0); });
} else if (scenario === 'binary') {
  socket.on('connect', () => socket.emit('message', new Uint8Array([1, 2, 3])));
  socket.on('disconnect', (reason) => { out({ reason, events }); process.exit(0); });
} else if (scenario === 'reconnect') {
  let connects = 0;
  socket.on('connect', async () => {
    connects += 1;
    out({ connected: connects });
    if (connects === 2) {
      out({ ack: await ack(options.message) });
      socket.disconnect();
      process.exit(0);
    }
  });
  socket.on('disconnect', (reason) => out({ disconnected: reason }));
} else {
  fail(`unknown scenario ${scenario}`);
}
