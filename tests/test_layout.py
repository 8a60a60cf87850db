"""Where code lives and which way it depends, checked by reading the source (an AST walk):
no module imports in a cycle, late imports included; apps import downward only; the
platform and its tests know no domain app; names say what things do, not where a contract
came from."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("myproject", "customers", "quotes", "policies")
DOMAIN = ("customers", "quotes", "policies")
# What each package may import of the others (the platform may be imported by all).
ALLOWED = {
    "myproject": set(),
    "customers": {"myproject"},
    "quotes": {"myproject", "customers"},
    "policies": {"myproject", "customers", "quotes"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, wherever in it (a late import counts too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_no_module_imports_in_a_cycle():
    edges = graph()
    cycles = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges.get(node, ())):
            # A package's __init__ naming its own submodules is not a cycle worth a name.
            if target.startswith(node + "."):
                continue
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_apps_import_downward_only_and_the_platform_knows_no_domain_app():
    wrong = []
    for name, targets in graph().items():
        source = name.split(".")[0]
        if name in ("myproject.urls", "myproject.settings"):
            continue  # the table of contents, and the settings that list the apps
        for target in targets:
            package = target.split(".")[0]
            is_test = ".tests" in name or name.startswith("tests")
            if package != source and package not in ALLOWED[source] and not is_test:
                wrong.append(f"{name} -> {target}")
            if source == "myproject" and is_test and package in DOMAIN:
                wrong.append(f"{name} -> {target}")  # the platform's tests too
    assert wrong == []


def test_no_class_or_function_is_named_after_where_a_contract_came_from():
    named = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and re.search(
                r"Seed|Legacy|Assessment", node.name
            ):
                named.append(f"{name}.{node.name}")
    assert named == []


def test_each_url_prefix_is_registered_by_one_router():
    from django.urls import get_resolver

    from myproject.http.routers import Router

    prefixes: dict[str, int] = {}
    seen = set()

    def walk(patterns):
        for pattern in patterns:
            urlconf = getattr(pattern, "urlconf_module", None)
            if urlconf is not None and not isinstance(urlconf, list):
                module = urlconf
                for value in vars(module).values():
                    if isinstance(value, Router) and id(value) not in seen:
                        seen.add(id(value))
                        for prefix, _, _ in value.registry:
                            prefixes[prefix] = prefixes.get(prefix, 0) + 1
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)

    walk(get_resolver().url_patterns)
    assert prefixes and all(count == 1 for count in prefixes.values()), prefixes
