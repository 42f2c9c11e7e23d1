// The car rental service of the travel example, in JavaScript on Node.js without npm packages.
// It speaks only HTTP; the saga bridge (saga-bridge) takes part in sagas on its behalf and calls
//   POST /saga/car.reserve  {location, pickUp, dropOff, driver}  -> 200 {reservationId}
//                                                                -> 422 {reason, code}
//   POST /saga/car.cancel   {reservationId}                      -> 200 {cancelled}
// Every saga call carries an Idempotency-Key: the first answer with an effect is stored under it,
// in the same atomic file write as the effect, and a call with a known key gets that answer again.
//
// Settings (environment): PORT (default 8087; 0 for a free one, printed at start), DATA_FILE
// (default ./car-data.json), CARS_PER_DAY (cars at each location on each day, default 3), CARS_AT
// (cars per day at named locations, over CARS_PER_DAY: "LIS-airport=10,LIS-downtown=0").
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const PORT = Number(process.env.PORT || 8087);
const DATA_FILE = path.resolve(process.env.DATA_FILE || 'car-data.json');
const CARS_PER_DAY = Number(process.env.CARS_PER_DAY || 3);
const CARS_AT = carsAtLocations(process.env.CARS_AT || '');
const MAX_BODY = 64 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

// days: "location|yyyy-mm-dd" -> cars taken; reservations: id -> reservation;
// answers: idempotency key -> {status, body}
let state = load();

function carsAtLocations(text) {
  const cars = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const at = entry.lastIndexOf('=');
    const count = Number(entry.slice(at + 1));
    if (at < 1 || !Number.isInteger(count) || count < 0) {
      throw new Error('CARS_AT: "' + entry + '" is not location=count');
    }
    cars[entry.slice(0, at)] = count;
  }
  return cars;
}

const carsPerDayAt = (location) =>
  Object.prototype.hasOwnProperty.call(CARS_AT, location) ? CARS_AT[location] : CARS_PER_DAY;

function load() {
  try {
    return JSON.parse(fs.readFileSync(DATA_FILE, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') {
      return { days: {}, reservations: {}, answers: {} };
    }
    throw e;
  }
}

// Writes the whole state to a temporary file and renames it over the data file: a crash leaves
// either the old state or the new one, never half of it. The effect and its stored answer are
// therefore recorded together.
function save(next) {
  const temp = DATA_FILE + '.tmp';
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(next));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, DATA_FILE);
  state = next;
}

function daysOf(pickUp, dropOff) {
  const days = [];
  for (let t = Date.parse(pickUp); t < Date.parse(dropOff); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

const isDate = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !isNaN(Date.parse(s));

function reserve(cmd, sagaId) {
  for (const field of ['location', 'driver']) {
    if (typeof cmd[field] !== 'string' || cmd[field].trim() === '') {
      return [400, { reason: field + ' is required' }];
    }
  }
  if (!isDate(cmd.pickUp) || !isDate(cmd.dropOff)) {
    return [400, { reason: 'pickUp and dropOff must be dates (yyyy-mm-dd)' }];
  }
  if (!(cmd.pickUp < cmd.dropOff)) {
    return [422, { reason: 'pickUp ' + cmd.pickUp + ' must be before dropOff ' + cmd.dropOff, code: 'INVALID_DATES' }];
  }
  const keys = daysOf(cmd.pickUp, cmd.dropOff).map((d) => cmd.location + '|' + d);
  if (keys.some((k) => (state.days[k] || 0) >= carsPerDayAt(cmd.location))) {
    // a refusal changes nothing and is not stored: a later attempt checks again
    return [422, {
      reason: 'no car left at ' + cmd.location + ' between ' + cmd.pickUp + ' and ' + cmd.dropOff,
      code: 'UNAVAILABLE',
    }];
  }
  const next = structuredClone(state);
  for (const k of keys) {
    next.days[k] = (next.days[k] || 0) + 1;
  }
  const id = crypto.randomUUID();
  next.reservations[id] = {
    id, sagaId, location: cmd.location, pickUp: cmd.pickUp, dropOff: cmd.dropOff,
    driver: cmd.driver, status: 'RESERVED',
  };
  return [200, { reservationId: id }, next];
}

function cancel(cmd, sagaId) {
  // by the reservation id of the reply, or by the saga when the reply never arrived
  const found = Object.values(state.reservations).find((r) =>
    r.status === 'RESERVED' && (r.id === cmd.reservationId || r.sagaId === sagaId));
  const next = structuredClone(state);
  if (found) {
    const r = next.reservations[found.id];
    r.status = 'CANCELLED';
    for (const d of daysOf(r.pickUp, r.dropOff)) {
      next.days[r.location + '|' + d] -= 1;
    }
  }
  return [200, { cancelled: Boolean(found) }, next];
}

const commands = { 'car.reserve': reserve, 'car.cancel': cancel };

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function handleSaga(req, res, type, raw) {
  const key = req.headers['idempotency-key'];
  if (!key) {
    return send(res, 400, { reason: 'the Idempotency-Key header is required' });
  }
  const stored = state.answers[key];
  if (stored) {
    return send(res, stored.status, stored.body);
  }
  let cmd;
  try {
    cmd = JSON.parse(raw);
  } catch (e) {
    return send(res, 400, { reason: 'the body is not JSON' });
  }
  if (cmd === null || typeof cmd !== 'object') {
    return send(res, 400, { reason: 'the body must be a JSON object' });
  }
  const [status, body, next] = commands[type](cmd, req.headers['saga-id']);
  if (next) {
    next.answers[key] = { status, body, at: new Date().toISOString() };
    save(next);
  }
  send(res, status, body);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    return send(res, 200, { status: 'UP' });
  }
  if (req.method === 'GET' && url.pathname === '/reservations') {
    return send(res, 200, Object.values(state.reservations));
  }
  const match = /^\/saga\/([a-z.]+)$/.exec(url.pathname);
  if (req.method !== 'POST' || !match || !commands[match[1]]) {
    return send(res, 404, { reason: 'no such endpoint: ' + req.method + ' ' + url.pathname });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      send(res, 413, { reason: 'body larger than ' + MAX_BODY + ' bytes' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY) {
      return;
    }
    try {
      handleSaga(req, res, match[1], Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      console.error('car service: ' + e.message);
      send(res, 500, { reason: 'internal error' });
    }
  });
});

server.listen(PORT, '127.0.0.1', () => {
  console.log('car service listening on http://127.0.0.1:' + server.address().port + ' (data in ' + DATA_FILE + ')');
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
