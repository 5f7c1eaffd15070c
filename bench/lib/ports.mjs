import net from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (for servers that cannot be told to pick one). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
