// The baseline of the ingest benchmark: a raw node:http server that only reads the body,
// JSON-parses it and answers 200 — the ceiling any Node ingest could reach on this machine.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end();
    } catch {
      response.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
