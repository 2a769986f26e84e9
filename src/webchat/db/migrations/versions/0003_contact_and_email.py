"""contact data and first visitor message on conversations, and the e-mail outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PENDING = "status = 'pending' AND kind = 'missed_reply'"


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("contact_name", sa.String(length=256), nullable=True))
        batch.add_column(
            sa.Column("email_opt_out", sa.Boolean(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("emailed_up_to", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("last_page_url", sa.String(length=2048), nullable=True))
        batch.add_column(
            sa.Column("first_visitor_message_id", sa.String(length=26), nullable=True)
        )
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_outbox_due", "email_outbox", ["status", "due_at"])
    op.create_index(
        "uq_email_outbox_pending",
        "email_outbox",
        ["conversation_id", "kind"],
        unique=True,
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("uq_email_outbox_pending", table_name="email_outbox")
    op.drop_index("ix_email_outbox_due", table_name="email_outbox")
    op.drop_table("email_outbox")
    with op.batch_alter_table("conversations") as batch:
        for column in (
            "first_visitor_message_id",
            "last_page_url",
            "emailed_up_to",
            "email_opt_out",
            "contact_name",
            "contact_email",
        ):
            batch.drop_column(column)
