"""Dev-only test support: real servers, one process runner, tokens and a JWKS server, one
GraphQL client, query and command counters, and the drivers each suite drives a service with.

No service depends on this package, so no production image holds it; it is a dev dependency
of the workspace and a dependency of the stack launcher (tools/stack)."""
