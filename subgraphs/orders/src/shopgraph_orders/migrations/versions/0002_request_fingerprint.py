"""Keep a fingerprint of each order's request, so a reused idempotency key can be told apart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: orders placed before this revision have none and are compared on nothing.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("request_fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("request_fingerprint")
