import { createServer } from 'node:net';

// Below the kernel's ephemeral range (32768–60999 by default): a server listening on port 0, or an outgoing
// connection, never takes a port handed out here between freePort() and the listen that uses it. (Handing out
// ephemeral ports raced with exactly that under parallel test files: EADDRINUSE at a stack's listen.)
const LOW = 20_000;
const HIGH = 32_000;
// Each test process starts at its own offset and walks up, so two processes rarely try the same port.
let next = LOW + ((process.pid * 7_919) % (HIGH - LOW));

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port that was free a moment ago on 127.0.0.1, outside the range the kernel hands out by itself. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < HIGH - LOW; i++) {
    const port = next;
    next = next + 1 >= HIGH ? LOW : next + 1;
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH}`);
}
