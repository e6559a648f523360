// Unit tests of the contract comparison (supergraph/lib/contract.mjs) on inline SDL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { checkContract, parseOwnership, composedSubgraphNames, apiSchemaFromSupergraph } from '../lib/contract.mjs';
import { composeSubgraphs } from '../lib/compose.mjs';

const { buildSchema } = createRequire(import.meta.url)('graphql');

const CONTRACT = `
scalar DateTime

# ---- users subgraph ----
enum Role { CUSTOMER ADMIN }

type User { # entity, key: id
  id: ID!
  email: String!
  nickname: String
  role: Role!
  createdAt: DateTime!
  orders(first: Int = 20): [Order!]! # contributed by orders
}

input LoginInput {
  email: String!
  password: String!
}

# ---- products subgraph ----
type Money { # shared by products and orders
  amount: Int!
}

type Product {
  id: ID!
  price: Money!
}

# ---- orders subgraph ----
type Order {
  id: ID!
  total: Money!
}

# ---- root fields ----
type Query {
  me: User
  user(id: ID!): User
  product(id: ID!): Product
  order(id: ID!): Order
}

type Mutation {
  login(input: LoginInput!): User!
}
`;

const GOOD_USERS_API = `
scalar DateTime
enum Role { CUSTOMER ADMIN SUPPORT }
type User {
  id: ID!
  email: String!
  nickname: String!          # stricter output: fine
  role: Role!
  createdAt: DateTime!
  internalNote: String       # extra: fine
}
input LoginInput { email: String! password: String }   # looser input: fine
type Query { me: User user(id: ID): User }              # looser argument: fine
type Mutation { login(input: LoginInput!, remember: Boolean = false): User! }
`;

const run = (api, subgraphs = ['users']) =>
  checkContract({ contractSdl: CONTRACT, apiSchema: buildSchema(api), subgraphs });

test('a compatible users-only schema passes and skips the other subgraphs', () => {
  const r = run(GOOD_USERS_API);
  assert.deepEqual(r.problems, []);
  assert.ok(r.checkedTypes.includes('User'));
  assert.ok(r.checkedTypes.includes('DateTime'), 'shared scalar used by User is checked');
  assert.deepEqual(r.skipped.get('orders'), ['User.orders', 'Order', 'Query.order']);
  assert.deepEqual(r.skipped.get('products'), ['Money', 'Product', 'Query.product']);
});

test('a missing field is reported', () => {
  const r = run(GOOD_USERS_API.replace('  email: String!\n', ''));
  assert.deepEqual(r.problems, ['missing field User.email: String! [users]']);
});

test('a wrong named type is reported, nullability may be stricter on output only', () => {
  const r = run(GOOD_USERS_API.replace('role: Role!', 'role: String!').replace('email: String!\n  nickname', 'email: String\n  nickname'));
  assert.deepEqual(r.problems.sort(), [
    'wrong type for field User.email: contract String!, supergraph String (output fields may only be stricter) [users]',
    'wrong type for field User.role: contract Role!, supergraph String! (output fields may only be stricter) [users]',
  ]);
});

test('arguments may be looser but not stricter, and no new required ones', () => {
  const r = run(GOOD_USERS_API.replace('user(id: ID)', 'user(id: ID!, tenant: String!)').replace('password: String }', 'password: String! otp: String! }'));
  assert.deepEqual(r.problems.sort(), [
    'extra required argument Query.user(tenant: String!) not in the contract [users]',
    'extra required input field LoginInput.otp: String! not in the contract [users]',
  ]);
  const r2 = run(GOOD_USERS_API.replace('user(id: ID)', 'user(id: Int)'));
  assert.match(r2.problems[0], /wrong type for argument Query\.user\(id:\): contract ID!, supergraph Int/);
});

test('missing enum values, missing root fields and wrong kinds are reported', () => {
  const api = GOOD_USERS_API.replace('CUSTOMER ADMIN SUPPORT', 'CUSTOMER').replace(
    'type Mutation { login(input: LoginInput!, remember: Boolean = false): User! }',
    'type Mutation { signUp: User }',
  ).replace('scalar DateTime', 'type DateTime { iso: String }');
  const r = run(api);
  assert.ok(r.problems.includes('missing enum value Role.ADMIN [users]'));
  assert.ok(r.problems.includes('missing field Mutation.login(input: LoginInput!): User! [users]'));
  assert.ok(r.problems.includes('DateTime is a type in the supergraph, the contract says scalar [shared]'));
});

test('default values must be kept', () => {
  const contract = CONTRACT.replace('orders(first: Int = 20): [Order!]! # contributed by orders', 'orders(first: Int = 20): [Order!]!');
  const api = GOOD_USERS_API.replace('internalNote: String', 'orders(first: Int = 10): [Order!]!') + '\ntype Order { id: ID! }';
  const r = checkContract({ contractSdl: contract, apiSchema: buildSchema(api), subgraphs: ['users'] });
  assert.deepEqual(r.problems, ['argument User.orders(first:) default value 10 differs from the contract\'s 20 [users]']);
});

test('a contributed field is checked once its subgraph is composed; shared-by types too', () => {
  const api = GOOD_USERS_API.replace('internalNote: String', 'orders(first: Int = 20): [Order!]!') +
    '\ntype Order { id: ID! total: Money! }\ntype Money { amount: Int! }\nextend type Query { order(id: ID!): Order }';
  const r = run(api, ['users', 'orders']);
  assert.deepEqual(r.problems, []);
  assert.ok(r.checkedTypes.includes('Money'), 'Money is shared by orders');
  assert.deepEqual(r.skipped.get('products'), ['Product', 'Query.product']);
});

test('parseOwnership reads sections, shared-by and contributed-by comments', () => {
  const { typeOwners, fieldContributors } = parseOwnership(CONTRACT);
  assert.deepEqual(typeOwners.get('User'), ['users']);
  assert.deepEqual(typeOwners.get('Money'), ['products', 'orders']);
  assert.deepEqual(typeOwners.get('DateTime'), []);
  assert.deepEqual(typeOwners.get('Query'), []);
  assert.equal(fieldContributors.get('User.orders'), 'orders');
});

test('end to end: compose a federation subgraph, build its API schema, check it', () => {
  const users = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    scalar DateTime
    enum Role { CUSTOMER ADMIN }
    type User @key(fields: "id") { id: ID! email: String! nickname: String role: Role! createdAt: DateTime! }
    input LoginInput { email: String! password: String! }
    type Query { me: User user(id: ID!): User }
    type Mutation { login(input: LoginInput!): User! }
  `;
  const { supergraphSdl, errors } = composeSubgraphs([{ name: 'users', url: 'http://127.0.0.1:4001/graphql', typeDefsText: users }]);
  assert.deepEqual(errors, []);
  assert.deepEqual(composedSubgraphNames(supergraphSdl), ['users']);
  const apiSchema = apiSchemaFromSupergraph(supergraphSdl);
  assert.equal(apiSchema.getType('join__Graph'), undefined, 'join machinery is stripped');
  const r = checkContract({ contractSdl: CONTRACT, apiSchema, subgraphs: ['users'] });
  assert.deepEqual(r.problems, []);
});
