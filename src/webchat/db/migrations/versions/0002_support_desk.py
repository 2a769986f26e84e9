"""support desk: status, assignment, labels, read state, notes, canned responses, roles

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=10), nullable=False, server_default="agent")
        )
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_agents_email", ["email"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("assignee_id", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("labels", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("visitor_last_read_id", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("agent_last_read_id", sa.String(length=26), nullable=True))
        batch.create_index(
            "ix_conversations_tenant_assignee_activity",
            ["tenant_id", "assignee_id", "last_activity_at", "id"],
        )
        batch.create_index("ix_conversations_snoozed", ["status", "snoozed_until"])
    with op.batch_alter_table("api_keys") as batch:
        batch.create_index("ix_api_keys_revoked_at", ["revoked_at"])
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "label"),
    )
    op.create_index(
        "ix_conversation_labels_tenant_label",
        "conversation_labels",
        ["tenant_id", "label", "conversation_id"],
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("conversation_id", sa.String(length=26), nullable=False),
        sa.Column("agent_id", sa.String(length=26), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id", "id"])
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "shortcut", name="uq_canned_responses_shortcut"),
    )


def downgrade() -> None:
    op.drop_table("canned_responses")
    op.drop_index("ix_notes_conversation_id", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_conversation_labels_tenant_label", table_name="conversation_labels")
    op.drop_table("conversation_labels")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_index("ix_api_keys_revoked_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_snoozed")
        batch.drop_index("ix_conversations_tenant_assignee_activity")
        for column in ("agent_last_read_id", "visitor_last_read_id", "snoozed_until", "labels",
                       "assignee_id"):
            batch.drop_column(column)
    with op.batch_alter_table("agents") as batch:
        batch.drop_index("ix_agents_email")
        for column in ("last_assigned_at", "capacity", "role"):
            batch.drop_column(column)
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("settings")
