"""Label selectors as the API server applies them: matchLabels and matchExpressions together, and policy/v1's rule
that a PodDisruptionBudget with an empty selector guards every pod of its namespace."""

from __future__ import annotations

from bot.cluster.model import Deployment, PodDisruptionBudget, Requirement


def test_match_labels_and_expressions_are_anded() -> None:
    pdb = PodDisruptionBudget(
        "shop",
        "web",
        selector={"app": "web"},
        selector_expressions=(Requirement("tier", "In", ("front", "edge")), Requirement("canary", "DoesNotExist")),
    )
    assert pdb.selects({"app": "web", "tier": "front"})
    assert not pdb.selects({"app": "web", "tier": "back"})
    assert not pdb.selects({"app": "web", "tier": "edge", "canary": "yes"})
    assert not pdb.selects({"tier": "front"})
    only_expressions = PodDisruptionBudget("shop", "x", selector_expressions=(Requirement("app", "NotIn", ("db",)),))
    assert only_expressions.selects({"app": "web"}) and only_expressions.selects({}) and not only_expressions.selects(
        {"app": "db"}
    )
    assert not PodDisruptionBudget("shop", "x", selector_expressions=(Requirement("app", "Exists"),)).selects({})


def test_an_empty_pdb_selector_guards_every_pod_but_an_empty_deployment_selector_owns_none() -> None:
    assert PodDisruptionBudget("shop", "all").selects({"app": "anything"})
    assert not Deployment("shop", "odd").selects({"app": "anything"})
