"""Liveness and readiness probes: live says the process answers, ready that its storage does."""

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shopgraph_core.runtime.service import Service
from shopgraph_core.storage.outages import is_storage_outage

logger = logging.getLogger("shopgraph.health")
READY_TIMEOUT_S = 3.0


router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "UP"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    service: Service = request.app.state.service
    try:
        await asyncio.wait_for(service.check_ready(), READY_TIMEOUT_S)
    except Exception as exc:  # any failure means "not ready"; the reason stays in our log
        # An outage is expected news: one line, without the driver's long traceback.
        logger.warning(
            "readiness check failed: %s", type(exc).__name__, exc_info=not is_storage_outage(exc)
        )
        return JSONResponse({"status": "DOWN"}, status_code=503)
    return JSONResponse({"status": "UP"})
