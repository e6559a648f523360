// The subgraph data source sends the gateway credential (GATEWAY_TOKEN) on every subgraph
// request, over real HTTP to a local server, and never a client's own value of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { GATEWAY_TOKEN_HEADER, SubgraphDataSource } from '../lib/datasource.mjs';

async function seenBy(dataSource, incoming, clientAddress) {
  let seen;
  const server = http.createServer((req, res) => {
    seen = req.headers;
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{"data":{"__typename":"Query"}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/graphql`;
    const request = { query: '{ __typename }', http: { url, method: 'POST', headers: new Headers() } };
    dataSource.willSendRequest({ request, context: { incomingHeaders: new Headers(incoming), clientAddress } });
    const body = await dataSource.sendRequest(request, {});
    assert.deepEqual(body.data, { __typename: 'Query' });
    return seen;
  } finally {
    server.close();
  }
}

test('the gateway credential reaches the subgraph, not a client value of it', async () => {
  const dataSource = new SubgraphDataSource({ name: 'users', url: 'unused', timeoutMs: 5000, gatewayToken: 's3cret' });
  const seen = await seenBy(dataSource, { authorization: 'Bearer x', [GATEWAY_TOKEN_HEADER]: 'forged' });
  assert.equal(seen[GATEWAY_TOKEN_HEADER], 's3cret');
  assert.equal(seen.authorization, 'Bearer x');
});

test('without GATEWAY_TOKEN no credential is sent', async () => {
  const dataSource = new SubgraphDataSource({ name: 'users', url: 'unused', timeoutMs: 5000, gatewayToken: '' });
  const seen = await seenBy(dataSource, {});
  assert.equal(seen[GATEWAY_TOKEN_HEADER], undefined);
});

test("the client's address is appended to X-Forwarded-For, after anything the client wrote", async () => {
  const dataSource = new SubgraphDataSource({ name: 'users', url: 'unused', timeoutMs: 5000, gatewayToken: '' });
  assert.equal((await seenBy(dataSource, {}, '203.0.113.7'))['x-forwarded-for'], '203.0.113.7');
  const spoofed = await seenBy(dataSource, { 'x-forwarded-for': '198.51.100.1' }, '203.0.113.7');
  // The users service takes the rightmost trusted hop: the address the gateway saw.
  assert.equal(spoofed['x-forwarded-for'], '198.51.100.1, 203.0.113.7');
});
