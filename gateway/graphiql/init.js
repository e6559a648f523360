// Starts GraphiQL against this server's own /graphql endpoint.
(function () {
  'use strict';
  var endpoint = new URL('/graphql', window.location.origin).href;
  var baseFetcher = GraphiQL.createFetcher({ url: endpoint });
  // Headers left empty in the editor (the "Authorization": "" template) are not sent.
  var fetcher = function (params, opts) {
    var headers = {};
    var given = (opts && opts.headers) || {};
    Object.keys(given).forEach(function (name) {
      if (given[name] !== '' && given[name] !== null && given[name] !== undefined) headers[name] = given[name];
    });
    return baseFetcher(params, Object.assign({}, opts, { headers: headers }));
  };
  var defaultQuery = [
    '# shopgraph explorer: operations run against /graphql on this server.',
    '#',
    '# To act as a signed-in user, run `login` (or `signUp`), copy `token`, and put it',
    '# in the Headers tab below:',
    '#   { "Authorization": "Bearer <token>" }',
    '',
    'query Me {',
    '  me {',
    '    id',
    '    email',
    '    name',
    '    role',
    '  }',
    '}',
    '',
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "Authorization": ""\n}',
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
