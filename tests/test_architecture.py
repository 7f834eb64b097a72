"""Imports go one way: the domain packages know nothing of the web framework, and the JSON error
body is built in one place."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("roads", "layers", "maps")
WEB = ("fastapi", "starlette")


def modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_domain_module_imports_the_web_framework():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported(path) if name.split(".")[0] in WEB)
        for path in modules(*DOMAIN)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_domain_module_imports_the_service():
    offenders = [str(path.relative_to(ROOT)) for path in modules(*DOMAIN)
                 if any(name.split(".")[0] == "gis_service" for name in imported(path))]
    assert offenders == []


def test_the_json_error_body_is_built_only_in_gis_service_errors():
    """`"message_zh":` as a dict key, i.e. an error body, appears in one module only."""
    builders = []
    for path in modules("gis_service", *DOMAIN):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(
                isinstance(key, ast.Constant) and key.value in ("message_zh", "error") for key in node.keys
            ):
                builders.append(str(path.relative_to(ROOT)))
    assert sorted(set(builders)) == ["gis_service/errors.py"]


def test_every_domain_error_raised_has_a_chinese_message():
    """A raise of one of our errors passes message_zh (its second argument) or re-raises one."""
    error_names = {"RoadchiefError", "InvalidInput", "BadRequest", "Unauthorized", "Forbidden", "NotFound",
                   "Conflict", "TooLarge", "Unavailable", "ChiefAlreadyAssigned", "IllegalTransition",
                   "BadFile", "UnknownExportFormat",
                   "BadQuery", "UnknownLayer", "TileOutOfRange", "UnknownStyle",
                   "DatabaseUnavailable", "ImportRefused"}
    missing = []
    for path in modules("gis_service", *DOMAIN):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in error_names
                    and len(node.args) < 2 and not any(k.arg == "message_zh" for k in node.keywords)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []
