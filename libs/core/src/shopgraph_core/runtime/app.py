"""The app factory: a service is its schema, its storage and its settings, nothing else."""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response

from shopgraph_core.auth.verifier import Caller, TokenVerifier, bearer_token, http_jwks_loader
from shopgraph_core.errors import AppError
from shopgraph_core.graphql.context import RequestContext
from shopgraph_core.graphql.http import GraphQLEndpoint, JsonPostShortcut
from shopgraph_core.graphql.schema import SubgraphSchema
from shopgraph_core.observability.logs import configure_logging
from shopgraph_core.observability.metrics import metrics_endpoint
from shopgraph_core.observability.telemetry import RequestTelemetryMiddleware
from shopgraph_core.observability.tracing import configure_tracing
from shopgraph_core.runtime import health
from shopgraph_core.runtime.service import RunningService
from shopgraph_core.settings import ServiceSettings
from shopgraph_core.web.guards import BodySizeLimit, GatewayOnly

GRAPHQL_PATH = "/graphql"
logger = logging.getLogger("shopgraph.app")


def create_service_app(
    *,
    settings: ServiceSettings,
    schema: SubgraphSchema,
    running_service: RunningService,
    verifier: TokenVerifier | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)
    verifier = verifier or TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_loader=http_jwks_loader(settings.jwks_url),
    )

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_service() as service:
            app.state.service = service
            logger.info("%s ready on port %s", settings.service_name, settings.port)
            yield

    async def context_getter(request: Request, response: Response) -> RequestContext[Any]:
        caller: Caller | None = None
        auth_error: AppError | None = None
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is not None:
                caller = await verifier.verify(token)
                request.state.user_id = caller.user_id
        except AppError as exc:
            auth_error = exc
        context: RequestContext[Any] = RequestContext(request.app.state.service, caller, auth_error)
        context.request, context.response = request, response
        return context

    app = FastAPI(
        title=f"shopgraph {settings.service_name}",
        lifespan=app_lifespan,
        # FastAPI's own OpenTelemetry would add a second server span per request (beside
        # RequestTelemetryMiddleware's, which the GraphQL operation names) and a span per
        # dependency; our middleware is the one request span, so all of it is off.
        telemetry={
            "tracing": False,
            "operation_spans": False,
            "metrics": False,
            "logs": False,
            "auto_configure": False,
        },
        docs_url=None if settings.is_production else "/docs",
        redoc_url=None,
        openapi_url=None if settings.is_production else "/openapi.json",
    )
    graphql_router = GraphQLEndpoint(
        schema,
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        multipart_uploads_enabled=False,
        # No subscriptions in the graph, so no WebSocket transport: it would run queries and
        # mutations past the HTTP guards (body limit, gateway credential).
        subscription_protocols=(),
    )
    app.include_router(graphql_router, prefix=GRAPHQL_PATH)
    app.include_router(health.router)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"])
    for router in routers:
        app.include_router(router)
    # Innermost: one operation POSTed as JSON is answered without the router, as Strawberry's
    # view would answer it (graphql/http.py); every other request goes on to the routes.
    app.add_middleware(
        JsonPostShortcut, schema=schema, context_getter=context_getter, graphql_path=GRAPHQL_PATH
    )
    # Outermost last: telemetry sees every answer, refusals of the guards included.
    if (gateway_token := settings.effective_gateway_token) is not None:
        app.add_middleware(GatewayOnly, token=gateway_token, graphql_path=GRAPHQL_PATH)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_request_bytes, graphql_path=GRAPHQL_PATH
    )
    app.add_middleware(
        RequestTelemetryMiddleware,
        graphql_path=GRAPHQL_PATH,
        max_operation_names=settings.max_metric_operation_names,
    )
    return app
