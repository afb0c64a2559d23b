"""The HTTP service example (examples/service) through a real ASGI stack.

FastAPI's TestClient drives the app in-process (requests → ASGI → the endpoints in the thread
pool); one test starts uvicorn on a free port and makes one real HTTP request. Skipped only
when FastAPI is not installed (CI installs it: the ``test`` extra).
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

import zzj_match as zm
from zzj_match.datasets import zzj_market

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `examples` is imported from the repository root, as uvicorn does
    sys.path.insert(0, str(ROOT))

from examples.service import app as service  # noqa: E402

SCALE = 0.02


def _market_with_workers() -> zm.LabourMarket:
    """The embedded market (which has no individual workers) plus two workers of their own."""
    market = zzj_market(scale=SCALE)
    pools = market.pools
    person = pools.iloc[0].drop(["pool_id", "headcount"]).to_dict()
    workers = pd.DataFrame([{**person, "worker_id": f"w_test_{i}", "pool_id": ""}
                            for i in (1, 2)])
    return market.replace(workers=workers)


@pytest.fixture(scope="module")
def matcher() -> Any:
    return zm.Matcher(_market_with_workers())


@pytest.fixture(scope="module")
def client(matcher: Any) -> Iterator[TestClient]:
    with TestClient(service.create_app(matcher)) as c:
        yield c


@pytest.fixture
def fresh() -> Iterator[tuple[Any, TestClient]]:
    """A Matcher of its own, for tests that update it."""
    m = zm.Matcher(zzj_market(scale=SCALE))
    with TestClient(service.create_app(m)) as c:
        yield m, c


def _placed(matcher: Any, column: str) -> str:
    """An id with a placement in the current plan (so it has admissible rows)."""
    t = matcher.plan.transfers
    return str(t.sort_values(["headcount", column], ascending=[False, True])[column].iloc[0])


def _valid(name: str, r: Any, status: int = 200) -> dict[str, Any]:
    """The JSON body of ``r``, checked against the committed schema ``schemas/<name>.json``."""
    assert r.status_code == status, (r.status_code, r.text)
    schema = json.loads((ROOT / "schemas" / f"{name}.json").read_text("utf-8"))
    body: dict[str, Any] = r.json()
    jsonschema.Draft202012Validator(schema).validate(body)
    return body


def _assert_problems(r: Any) -> dict[str, Any]:
    body = _valid("service_problems", r, 422)
    assert body["problems"], body
    return body


# ------------------------------------------------------------------ reads


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "ready": True, "version": zm.__version__}


def test_plan_summary_is_the_plans(client: TestClient, matcher: Any) -> None:
    body = _valid("service_plan_summary", client.get("/plan/summary"))
    assert body["summary"] == matcher.plan.summary().splitlines()
    assert set(body["kpis"]) == set(matcher.plan.kpis)
    assert body["kpis"]["workers_placed"] == matcher.plan.kpis["workers_placed"]
    assert body["kpis"]["fill_rate"] == pytest.approx(matcher.plan.kpis["fill_rate"])


def test_pool_recommendations_are_the_matchers_rows(client: TestClient, matcher: Any) -> None:
    pool = _placed(matcher, "pool_id")
    body = _valid("service_recommendation",
                  client.get(f"/pools/{pool}/recommendations", params={"k": 5}))
    assert (body["pool_id"], body["worker_id"], body["k"]) == (pool, None, 5)
    assert body["rows"] == service._records(matcher.recommend(pool_id=pool, k=5))
    assert 1 <= len(body["rows"]) <= 5
    default = client.get(f"/pools/{pool}/recommendations").json()
    assert default["k"] == 10
    assert default["rows"][: len(body["rows"])] == body["rows"]  # same ranking, longer list


def test_worker_recommendations(client: TestClient, matcher: Any) -> None:
    body = _valid("service_recommendation",
                  client.get("/workers/w_test_1/recommendations", params={"k": 3}))
    assert (body["pool_id"], body["worker_id"]) == (None, "w_test_1")
    assert body["rows"] == service._records(matcher.recommend(worker_id="w_test_1", k=3))


def test_vacancy_candidates(client: TestClient, matcher: Any) -> None:
    vacancy = _placed(matcher, "vacancy_id")
    body = _valid("service_candidates",
                  client.get(f"/vacancies/{vacancy}/candidates", params={"k": 4}))
    assert (body["vacancy_id"], body["k"]) == (vacancy, 4)
    assert body["rows"] == service._records(matcher.candidates(vacancy, k=4))
    assert 1 <= len(body["rows"]) <= 4


def test_reads_from_many_threads_agree(client: TestClient, matcher: Any) -> None:
    pool = _placed(matcher, "pool_id")
    expected = client.get(f"/pools/{pool}/recommendations").json()
    answers: list[Any] = []

    def ask() -> None:
        answers.extend(client.get(f"/pools/{pool}/recommendations").json() for _ in range(5))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers == [expected] * 20


# ------------------------------------------------------------------ updates


def _new_vacancy(matcher: Any, vacancy_id: str = "vac_http_new") -> dict[str, Any]:
    """A new vacancy row (JSON) copying a vacancy of the market."""
    row = matcher.market.to_models()["vacancies"][0].model_dump(mode="json")
    return {**row, "vacancy_id": vacancy_id, "headcount": 3}


def test_update_answers_the_new_plans_summary(fresh: tuple[Any, TestClient]) -> None:
    m, c = fresh
    before = m.plan
    vacancy = _placed(m, "vacancy_id")
    pool = str(m.market.pools["pool_id"].iloc[0])
    heads = int(m.market.pools["headcount"].iloc[0])
    body = {
        "add_vacancies": [_new_vacancy(m)],
        "withdraw_vacancies": [vacancy],
        "change_pools": [{"pool_id": pool, "headcount": heads + 2}],
    }
    answer = _valid("service_plan_summary", c.post("/updates", json=body))
    assert m.plan is not before
    assert answer == json.loads(service.plan_summary(m.plan).model_dump_json())
    assert {"kept_placements", "moved_placements", "forced_moves"} <= set(answer["kpis"])
    assert "vac_http_new" in set(m.market.vacancies["vacancy_id"])
    assert vacancy not in set(m.market.vacancies["vacancy_id"])
    assert int(m.market.pools.set_index("pool_id").loc[pool, "headcount"]) == heads + 2
    assert c.get("/plan/summary").json() == answer


def test_update_rows_reach_the_matcher_in_the_input_format(
    fresh: tuple[Any, TestClient],
) -> None:
    m, _ = fresh
    request = service.UpdateRequest.model_validate({
        "add_vacancies": [{**_new_vacancy(m), "shuttle_zones": ["zh_doumen", "jm_xinhui"]}],
        "change_pools": [{"pool_id": "p1", "headcount": 4}],
        "withdraw_pools": ["p2"],
    })
    kwargs = service.update_arguments(request)
    assert set(kwargs) == {"add_vacancies", "change_pools", "withdraw_pools"}
    assert kwargs["add_vacancies"][0]["shuttle_zones"] == ("jm_xinhui", "zh_doumen")
    assert kwargs["change_pools"] == [{"pool_id": "p1", "headcount": 4}]  # only what changes
    assert kwargs["withdraw_pools"] == ["p2"]
    market = m.market.with_changes(add_vacancies=kwargs["add_vacancies"])
    row = market.vacancies.set_index("vacancy_id").loc["vac_http_new"]
    assert row["shuttle_zones"] == "jm_xinhui;zh_doumen"


def test_update_adds_an_enterprise_and_a_worker(fresh: tuple[Any, TestClient]) -> None:
    m, c = fresh
    enterprise = {"enterprise_id": "ent_http_new", "name": "新厂", "zone_id": "zh_doumen"}
    vacancy = {**_new_vacancy(m), "enterprise_id": "ent_http_new"}
    person = m.market.to_models()["pools"][0].model_dump(mode="json")
    worker = {**{k: v for k, v in person.items() if k not in ("pool_id", "headcount")},
              "worker_id": "w_http_new"}
    r = c.post("/updates", json={"add_enterprises": [enterprise], "add_vacancies": [vacancy],
                                 "add_workers": [worker]})
    assert r.status_code == 200, r.text
    assert "w_http_new" in set(m.market.workers["worker_id"])
    assert c.get("/workers/w_http_new/recommendations").status_code == 200
    r = c.post("/updates", json={"withdraw_workers": ["w_http_new"]})
    assert r.status_code == 200, r.text
    _assert_problems(c.get("/workers/w_http_new/recommendations"))


def test_malformed_rows_are_one_problem_table(fresh: tuple[Any, TestClient]) -> None:
    m, c = fresh
    before = m.plan
    good = _new_vacancy(m)
    rows = [good, {**good, "vacancy_id": "v_bad", "wage_cny": -5, "occupation": "6-2"}]
    r = c.post("/updates", json={"add_vacancies": rows,
                                 "change_pools": [{"pool_id": "x", "headcount": -1}]})
    body = _assert_problems(r)
    where = {(p["table"], p["row"], p["column"]) for p in body["problems"]}
    assert {("add_vacancies", 1, "wage_cny"), ("add_vacancies", 1, "occupation"),
            ("change_pools", 0, "headcount")} <= where
    assert not any(p["row"] == 0 and p["table"] == "add_vacancies" for p in body["problems"])
    assert m.plan is before  # nothing applied


def test_unknown_ids_are_422_naming_each(fresh: tuple[Any, TestClient]) -> None:
    _, c = fresh
    for url in ("/pools/no_such_pool/recommendations", "/workers/no_such_worker/recommendations",
                "/vacancies/no_such_vacancy/candidates"):
        body = _assert_problems(c.get(url))
        assert any(p["value"] and p["value"].startswith("no_such_") for p in body["problems"])
    body = _assert_problems(c.post("/updates", json={"withdraw_vacancies": ["gone_1", "gone_2"]}))
    assert {"gone_1", "gone_2"} <= {p["value"] for p in body["problems"]}


# ------------------------------------------------------------------ hostile requests

_BAD_GETS = [
    "/pools/{pool}/recommendations?k=0",
    "/pools/{pool}/recommendations?k=-3",
    "/pools/{pool}/recommendations?k=x",
    "/pools/{pool}/recommendations?k=1.5",
    "/pools/{pool}/recommendations?k=99999999999999999999999",
    f"/pools/{{pool}}/recommendations?k={service.K_MAX + 1}",
    "/pools/%20/recommendations",
    "/pools/%00/recommendations",
    "/pools/a%3Bb/recommendations",
    "/pools/%E2%80%AE/recommendations",
    "/workers/{pool}/recommendations",
    "/vacancies/{pool}/candidates",
    "/vacancies/x/candidates?k=",
]
_BAD_BODIES: list[Any] = [
    None,
    {"add_vacancies": "not a list"},
    {"add_vacancies": [1, "x", None]},
    {"add_vacancies": [{}]},
    {"add_vacancies": [{"vacancy_id": "v"}]},
    {"add_pools": [{"pool_id": "p", "kind": "intern"}]},
    {"withdraw_pools": [1, None, {"a": 1}]},
    {"withdraw_pools": "p1"},
    {"change_pools": [{"headcount": 5}]},
    {"change_pools": [{"pool_id": "p", "headcount": "many"}]},
    {"change_vacancies": [{"vacancy_id": "v", "wage_cny": float("nan")}]},
    {"unknown_field": []},
    [],
    "text",
    42,
]


@pytest.mark.parametrize("url", _BAD_GETS)
def test_bad_reads_are_422_never_5xx(client: TestClient, matcher: Any, url: str) -> None:
    r = client.get(url.format(pool=_placed(matcher, "pool_id")))
    assert r.status_code < 500, r.text
    _assert_problems(r)


@pytest.mark.parametrize("body", _BAD_BODIES, ids=range(len(_BAD_BODIES)))
def test_bad_updates_are_422_never_5xx(fresh: tuple[Any, TestClient], body: Any) -> None:
    m, c = fresh
    before = m.plan
    if body is None:
        r = c.post("/updates")
    elif isinstance(body, dict) and "change_vacancies" in body:  # NaN is no JSON: sent raw
        r = c.post("/updates", content=b'{"change_vacancies": [{"vacancy_id": "v", '
                                        b'"wage_cny": NaN}]}',
                   headers={"content-type": "application/json"})
    else:
        r = c.post("/updates", json=body)
    assert r.status_code < 500, r.text
    _assert_problems(r)
    assert m.plan is before


@pytest.mark.parametrize("raw", [b"", b"{", b"{'a': 1}", b"\xff\xfe", b'{"add_pools": [{]}'])
def test_malformed_json_is_422(client: TestClient, raw: bytes) -> None:
    r = client.post("/updates", content=raw, headers={"content-type": "application/json"})
    _assert_problems(r)


def test_a_body_that_is_no_text_is_400(client: TestClient) -> None:
    r = client.post("/updates", content=b"\xff", headers={"content-type": "application/json"})
    assert r.status_code == 400  # FastAPI's own answer: the bytes are not UTF-8 text


def test_unknown_routes_and_methods_are_4xx(client: TestClient) -> None:
    assert client.get("/nowhere").status_code == 404
    assert client.get("/updates").status_code == 405
    assert client.delete("/plan/summary").status_code == 405


# ------------------------------------------------------------------ the default app


def test_default_app_builds_its_matcher_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(service.SCALE_ENV, "0.01")
    app = service.create_app()
    assert app.state.matcher is None  # nothing solved at import or creation
    with TestClient(app) as c:
        assert c.get("/health").json()["ready"] is True
        assert len(app.state.matcher.market.pools) == len(zzj_market(scale=0.01).pools)
        assert c.get("/plan/summary").status_code == 200
    assert service.app.state.matcher is None  # the module's app is left alone


def test_not_ready_is_503_not_500() -> None:
    c = TestClient(service.create_app())  # no `with`: the lifespan never ran
    assert c.get("/health").json()["ready"] is False
    assert c.get("/plan/summary").status_code == 503


# ------------------------------------------------------------------ a real server


def _request(url: str, body: Any = None) -> tuple[int, str, Any]:
    """GET (or POST ``body`` as JSON) over a real socket: status, content type, JSON body."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers["content-type"], json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers["content-type"], json.loads(err.read())


@contextmanager
def _uvicorn(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yield its base URL."""
    uvicorn = pytest.importorskip("uvicorn")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race for it
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started or not thread.is_alive():
                break
            thread.join(timeout=0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


def test_uvicorn_serves_a_real_http_request(matcher: Any) -> None:
    with _uvicorn(service.create_app(matcher)) as base:
        pool = _placed(matcher, "pool_id")
        status, kind, body = _request(f"{base}/pools/{pool}/recommendations?k=2")
        assert (status, kind) == (200, "application/json")
        assert body["rows"] == service._records(matcher.recommend(pool_id=pool, k=2))
        status, _, body = _request(f"{base}/pools/no_such_pool/recommendations")
        assert status == 422
        assert body["problems"]


class _HeldUpdates:
    """The real Matcher, whose ``update`` waits (in its worker thread) until released."""

    def __init__(self, matcher: Any) -> None:
        self.matcher = matcher
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.matcher, name)

    def update(self, **changes: Any) -> Any:
        self.entered.set()
        assert self.release.wait(timeout=60)
        return self.matcher.update(**changes)


def test_a_running_update_does_not_block_reads() -> None:
    """While an update is in progress, the server answers reads (sync endpoints, thread pool)."""
    m = _HeldUpdates(zm.Matcher(zzj_market(scale=SCALE)))
    before = m.plan
    pool = _placed(m, "pool_id")
    answer: list[Any] = []
    with _uvicorn(service.create_app(m)) as base:
        post = threading.Thread(target=lambda: answer.append(_request(
            f"{base}/updates", {"withdraw_pools": [pool]})))
        post.start()
        try:
            assert m.entered.wait(timeout=60)
            status, _, body = _request(f"{base}/plan/summary")  # the update is still held
            assert status == 200
            assert body["kpis"]["workers_placed"] == before.kpis["workers_placed"]
            assert _request(f"{base}/pools/{pool}/recommendations")[0] == 200
        finally:
            m.release.set()
            post.join(timeout=60)
        assert answer[0][0] == 200
        assert m.plan is not before
        assert _request(f"{base}/pools/{pool}/recommendations")[0] == 422  # withdrawn


def test_the_readme_curl_session_works() -> None:
    """The ids and requests of examples/service/README.md, on the default app's market."""
    readme = (ROOT / "examples" / "service" / "README.md").read_text(encoding="utf-8")
    assert f"(default `{service.DEFAULT_SCALE:g}`" in readme
    ids = dict(re.findall(r"(POOL|VAC)=(\S+)", readme.split("## Try it with curl")[1]))
    pool, vacancy = ids["POOL"], ids["VAC"]
    app = service.create_app(scale=service.DEFAULT_SCALE)
    with TestClient(app) as c:
        market = app.state.matcher.market
        assert "斗门" in readme
        assert "江门" in readme
        assert market.pools.set_index("pool_id").loc[pool, "zone_id"] == "zh_doumen"
        employer = market.vacancies.set_index("vacancy_id").loc[vacancy, "enterprise_id"]
        assert market.enterprises.set_index("enterprise_id").loc[employer, "zone_id"][:3] == "jm_"
        rec = _valid("service_recommendation",
                     c.get(f"/pools/{pool}/recommendations", params={"k": 5}))
        assert len(rec["rows"]) == 5  # the example shows a full list
        assert {r["city"] for r in rec["rows"]} >= {"zhuhai"}
        can = _valid("service_candidates", c.get(f"/vacancies/{vacancy}/candidates",
                                                 params={"k": 5}))
        assert len(can["rows"]) == 5
        r = c.post("/updates", json={"change_pools": [{"pool_id": pool, "headcount": 40}],
                                     "withdraw_vacancies": [vacancy]})
        assert r.status_code == 200, r.text
        _assert_problems(c.get(f"/pools/{pool}/recommendations", params={"k": 0}))
        _assert_problems(c.post("/updates", json={"add_vacancies": [
            {"vacancy_id": "v1", "wage_cny": -5}]}))
