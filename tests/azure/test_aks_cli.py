"""`aksbot aks snat --cluster-json FILE` on the REST example, as an ARM body and as `az aks show` output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.azure.cli import main
from tests.support.azure import FIXTURES, example, flattened


@pytest.fixture()
def arm_file(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(example("ManagedClustersGet.json")), encoding="utf-8")
    return path


def test_example_reports_two_ips_64000_ports_2000_per_node_64_nodes(
    arm_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["snat", "--cluster-json", str(arm_file)]) == 0
    out = capsys.readouterr().out
    assert "2 outbound IP(s) × 64,000 ports = 128,000 ports; 2,000 allocated per node → at most 64 nodes." in out
    assert "maximum nodes: 64" in out


def test_az_cli_flattened_output_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "az.json"
    path.write_text(json.dumps(flattened(example("ManagedClustersGet.json"))), encoding="utf-8")
    assert main(["snat", "--cluster-json", str(path), "--nodes", "64", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["max_nodes"], doc["ports_per_node"], doc["inputs"]["outbound_ips"]) == (64, 2000, 2)
    assert doc["what_if"]["fits"] is True


def test_nodes_beyond_the_budget_exit_1(arm_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snat", "--cluster-json", str(arm_file), "--nodes", "65"]) == 1
    assert "fails: 65 × 2,000" in capsys.readouterr().out


def test_unreadable_or_wrong_file_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snat", "--cluster-json", str(tmp_path / "missing.json")]) == 2
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"value": []}', encoding="utf-8")
    assert main(["snat", "--cluster-json", str(wrong)]) == 2
    assert "networkProfile" in capsys.readouterr().err


def test_an_azure_rest_example_file_is_read_through_its_200_response(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snat", "--cluster-json", str(FIXTURES / "ManagedClustersGet.json")]) == 0
    assert "maximum nodes: 64" in capsys.readouterr().out
