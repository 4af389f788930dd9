// The transport floor of the ext_authz benchmark: a bare `node:http2` server (no gRPC
// library) that answers every request on any path with one gRPC-framed OK CheckResponse and
// `grpc-status: 0`. What a gRPC handler costs above HTTP/2 itself is the gap to this one.
import * as http2 from 'node:http2';

// CheckResponse { status: { code: 0 }, ok_response: {} } behind gRPC's 5-byte message
// prefix (not compressed, length 4).
const FRAME = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x04, 0x0a, 0x00, 0x1a, 0x00]);
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(FRAME);
  });
  stream.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ msg: 'noop http2 listening', port: typeof addr === 'object' && addr !== null ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
