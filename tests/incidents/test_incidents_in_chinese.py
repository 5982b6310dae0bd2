"""An incident declared in Chinese is worked in Chinese: in its channel a command typed in Latin letters answers in
the incident's language (elsewhere each line keeps its own). In English nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.approvals.store import SqlApprovalStore, SqliteApprovalStore
from tests.support.approvals import WORLD
from tests.support.incidents import Bed, make_bed

TITLE = "支付接口 5xx 报错"
CHANNEL = "inc-20261122-5xx"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqlApprovalStore]:
    store = SqliteApprovalStore(tmp_path / "approvals.sqlite3")
    yield store
    store.close()


@pytest.fixture
def bed(db: SqlApprovalStore) -> Bed:
    WORLD.reset()
    return make_bed(db)


def test_in_its_channel_lines_in_latin_letters_are_answered_in_the_incidents_language(bed: Bed) -> None:
    bed.say(f"/k8s incident start {TITLE}", f":in {CHANNEL}")
    assert "INC-1：严重级别 SEV3 → SEV1。" in bed.say("/k8s incident severity sev1")
    timeline = bed.say("/k8s incident timeline")
    assert "INC-1 时间线" in timeline and "*宣布* · @alice" in timeline and "*严重级别*" in timeline
    assert "已记入 INC-1 的时间线。" in bed.say("/k8s incident note heap capped at 768m")
    shown = bed.say("/k8s incident show")
    assert "严重级别 : SEV1" in shown and "状态     : 进行中" in shown
    refused = bed.say(":as erin", "/k8s incident timeline")  # the dispatcher's refusals too
    assert "你不能运行 `incident timeline`：它需要 viewer 角色（你的角色：无）。" in refused
    # Anywhere else a line keeps its own language, and so do an English incident's channel's.
    bed.say(":as alice", ":in shell")
    assert "INC-1: severity SEV1 → SEV2." in bed.say("/k8s incident severity sev2 --incident 1")
    bed.say("/k8s incident start checkout down", ":in inc-20261122-checkout-down")
    assert "INC-2: severity SEV3 → SEV1." in bed.say("/k8s incident severity sev1")
    assert "已记入 INC-2 的时间线。" in bed.say("/k8s incident note 已回滚")
