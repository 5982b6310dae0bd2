"""The names a team gives its workloads (`aksbot.io/names` on a Deployment) and how a line of people's words calls
a workload by one of them: Chinese anywhere (it is written without spaces), Latin only as whole words, the longer of
two overlapping names, never a name too short to say which workload is meant."""

from __future__ import annotations

from bot.cluster.model import Deployment, OwnerRef, Pod
from handlers._naming import called_in, given_names, members_of


def deployment(namespace: str, name: str, names: str) -> Deployment:
    return Deployment(namespace, name, annotations={"aksbot.io/names": names})


LEDGER = deployment("payments", "ledger-api", "支付接口，账本服务、payment ledger")
GATEWAY = deployment("payments", "gateway", "支付; pay gateway")
SHOP = deployment("shop", "web", "商城; x; 店")


def test_a_deployments_given_names_are_split_on_any_comma_and_short_ones_left_out() -> None:
    assert given_names(LEDGER.annotations) == ("支付接口", "账本服务", "payment ledger")
    assert given_names(SHOP.annotations) == ("商城",)  # "x" and "店" say nothing
    assert given_names({}) == ()


def test_a_chinese_name_is_found_inside_a_sentence_and_the_longer_of_two_wins() -> None:
    assert called_in("支付接口从早上开始一直 5xx", [LEDGER, GATEWAY, SHOP]) == {("payments", "ledger-api"): "支付接口"}
    assert called_in("支付失败，商城也慢", [LEDGER, GATEWAY, SHOP]) == {
        ("payments", "gateway"): "支付", ("shop", "web"): "商城"}


def test_a_latin_name_counts_only_as_whole_words_in_any_case_and_spacing() -> None:
    assert called_in("The  Payment   Ledger is down", [LEDGER]) == {("payments", "ledger-api"): "payment ledger"}
    assert called_in("payment ledgers are down", [LEDGER]) == {}
    assert called_in("the pay gateway-v2 is down", [GATEWAY]) == {}
    # Chinese typed right after a Latin name ends the word, as a space would.
    assert called_in("payment ledger又挂了", [LEDGER]) == {("payments", "ledger-api"): "payment ledger"}


def test_the_pods_of_a_called_deployment_are_its_members() -> None:
    def pod(name: str, owner: str, kind: str = "ReplicaSet", namespace: str = "payments") -> Pod:
        return Pod(namespace, name, owner=OwnerRef(kind, owner, True), labels={"pod-template-hash": "7c9f"})

    pods = [pod("ledger-api-7c9f-abcde", "ledger-api-7c9f"), pod("ledger-api-0", "ledger-api", "StatefulSet"),
            pod("ledger-api-7c9f-zzzzz", "ledger-api-7c9f", namespace="shop")]
    assert members_of({("payments", "ledger-api"): "支付接口"}, pods) == {
        ("payments", "ledger-api"): "支付接口", ("payments", "ledger-api-7c9f-abcde"): "支付接口"}
