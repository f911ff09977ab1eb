/**
 * A loopback proxy in front of moto that answers chosen requests with Route 53's throttling error,
 * as AWS does under load. What it does not prove: how real Route 53 paces its throttling.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const THROTTLED = `<?xml version="1.0"?>
<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>drillbook-test</RequestId></ErrorResponse>`;

export async function throttlingProxy(
  upstream: string,
  throttle: (req: http.IncomingMessage) => boolean,
): Promise<{ url: string; throttled(): number; close(): Promise<void> }> {
  let count = 0;
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    if (throttle(req)) {
      count += 1;
      res.writeHead(400, { 'content-type': 'text/xml' }).end(THROTTLED);
      return;
    }
    const forward = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => res.writeHead(502).end(error.message));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    throttled: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
