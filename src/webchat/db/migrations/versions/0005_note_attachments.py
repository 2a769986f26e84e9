"""attachments sent with notes: looked up by note

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attachments_note", "attachments", ["note_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_note", table_name="attachments")
