'use strict';
/**
 * One simulated Lambda execution environment (started by worker-pool.ts): loads the handler once, as a cold start
 * does, then runs one invocation at a time as the parent sends them over IPC. Plain JavaScript so that a replaced
 * environment starts in node's own time, not ts-node's.
 *
 * argv: <handler file> <export name>. Messages in: { type: 'invoke', id, event, context: { …, deadline } }.
 * Messages out: { type: 'ready' } once loaded, then { type: 'done', id, ok, result | error } per invocation.
 */
const [handlerFile, exportName] = process.argv.slice(2);

let handler;
let initError;
try {
  handler = require(handlerFile)[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerFile} exports no function ${exportName}`);
} catch (err) {
  // Lambda reports a failed init on every invocation of that environment rather than refusing to start it.
  initError = { name: 'Runtime.ImportModuleError', message: err && err.message ? err.message : String(err) };
}

// Orphaned environments must not outlive the simulation that started them.
process.on('disconnect', () => process.exit(0));

function contextOf(c) {
  return {
    ...c,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, c.deadline - Date.now()),
  };
}

const errorOf = (err) =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };

/** Lines written before the answer are in the pipes when the parent hears it, so its log is complete. */
const flushed = () =>
  Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));

function reply(message) {
  try {
    process.send(message);
  } catch (err) {
    // A result IPC cannot carry (a cycle, a BigInt) is not the function's failure: Lambda ignores async results.
    process.send({ type: 'done', id: message.id, ok: message.ok, error: message.error });
  }
}

process.on('message', async (m) => {
  if (!m || m.type !== 'invoke') return;
  let outcome;
  try {
    if (initError) throw Object.assign(new Error(initError.message), { name: initError.name });
    outcome = { ok: true, result: await handler(m.event, contextOf(m.context)) };
  } catch (err) {
    outcome = { ok: false, error: errorOf(err) };
  }
  await flushed();
  reply({ type: 'done', id: m.id, ...outcome });
});

process.send({ type: 'ready' });
