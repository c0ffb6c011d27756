"""watches left on a version recipients were not told of go back to the told one

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Releases before this one moved a watch silently to an earlier version served again (a "flap"),
even when it differed in substance from the version its latest change event made current: a
change made again after its undo was told was never told (monitor.served_again). Such a watch
stays on that version for as long as the page serves it, every check "unchanged". This puts each
watch whose current version is not the told one (nor that version re-derived by a newer
extractor) back on the told version, so its next check judges the page against what the
recipients were last told: told once it persists if it differs in substance, silent if not.
Nothing is deleted; downgrading leaves the watches where they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPGRADES_FOLLOWED = 8  # as monitor.recording: extractor upgrades between two changes, at most

watches = sa.table("watches", sa.column("id", sa.Integer), sa.column("current_version_id", sa.Integer))
events = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("watch_id", sa.Integer), sa.column("to_version_id", sa.Integer)
)
versions = sa.table("versions", sa.column("id", sa.Integer), sa.column("upgrade_of_id", sa.Integer))


def upgrade() -> None:
    conn = op.get_bind()
    latest = sa.select(events.c.watch_id, sa.func.max(events.c.id).label("last")).group_by(events.c.watch_id).subquery()
    told = dict(
        conn.execute(
            sa.select(events.c.watch_id, events.c.to_version_id).join(latest, events.c.id == latest.c.last)
        ).all()
    )
    current = dict(conn.execute(sa.select(watches.c.id, watches.c.current_version_id)).all())
    upgrade_of = dict(
        conn.execute(sa.select(versions.c.id, versions.c.upgrade_of_id).where(versions.c.upgrade_of_id.is_not(None))).all()
    )
    for watch_id, told_id in told.items():
        version_id = current.get(watch_id)
        if told_id is None or version_id is None or _is_or_rederives(version_id, told_id, upgrade_of):
            continue
        conn.execute(watches.update().where(watches.c.id == watch_id).values(current_version_id=told_id))


def _is_or_rederives(version_id: int, told_id: int, upgrade_of: dict[int, int]) -> bool:
    for _ in range(_UPGRADES_FOLLOWED):
        if version_id == told_id:
            return True
        if version_id not in upgrade_of:
            return False
        version_id = upgrade_of[version_id]
    return False


def downgrade() -> None:
    pass  # the watches stay on the told version: the state every release since handles
