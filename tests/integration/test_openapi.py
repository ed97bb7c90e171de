"""The OpenAPI document describes exactly the API's routes, and the docs page shows it without outside resources."""
import re

from app.api.openapi import document


def _documented(doc):
    return {(method.upper(), "/api/v1" + path) for path, item in doc["paths"].items() for method in item}


def _routed(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_api_route_is_documented_and_nothing_else(app):
    doc = document()
    assert _routed(app) == _documented(doc)


def test_the_document_is_served_with_its_server_and_every_reference_resolves(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.json
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] and doc["servers"][0]["url"].endswith("/api/v1")
    text = response.get_data(as_text=True)
    for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)):
        assert name in doc["components"]["schemas"], name
    operation_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for item in doc["paths"].values():
        for operation in item.values():
            assert operation["responses"] and operation["summary"]
            if operation.get("security"):
                assert "401" in operation["responses"]
            for status in operation["responses"]:
                if status.startswith(("4", "5")):
                    assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}


def test_path_parameters_are_declared(client):
    doc = client.get("/api/v1/openapi.json").json
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_docs_page_lists_every_operation_and_loads_nothing_from_elsewhere(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    doc = document()
    for path, item in doc["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page
    assert 'href="/api/v1/openapi.json"' in page
    external = re.findall(r'(?:src|href)="(https?:)?//[^"]*"', page)
    assert not external
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in page


def test_docs_page_is_public_for_every_role(client, make, sign_in):
    assert client.get("/api/docs").status_code == 200
    for role in ("member", "agent", "moderator", "admin"):
        sign_in(make.user(role=role))
        assert client.get("/api/docs").status_code == 200
        client.post("/sign-out")
