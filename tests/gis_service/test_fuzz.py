"""Schemathesis over every operation of the OpenAPI document, anonymous and signed in as the
district admin (the exports, which read no caller, signed in only): no request may answer 5xx.
CI runs a few examples per operation (ROADCHIEF_FUZZ_EXAMPLES, default 3); `make fuzz` runs many
more and prints the counts.

The app runs in-process over the test's rolled-back connection, so nothing the fuzzer writes stays.
"""

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from roads.users import add_user, login

EXAMPLES = int(os.environ.get("ROADCHIEF_FUZZ_EXAMPLES", "3"))
# Each export draws a map (seconds, not milliseconds): fewer examples there keep `make fuzz` to minutes.
SLOW_EXAMPLES = min(EXAMPLES, int(os.environ.get("ROADCHIEF_FUZZ_SLOW_EXAMPLES", "2")))
SLOW_PATHS = ("/api/exports/heatmap", "/api/exports/briefing", "/api/exports/rankings",
              "/api/exports/red-black-list", "/api/dust/ranking.xlsx", "/api/reports")
# The exports read no caller (gis_service/routes/exports.py): drawn once, by the signed-in run.
CALLER_FREE_PATHS = ("/api/exports/",)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def fuzz(app, headers: dict) -> tuple[Counter, list[str]]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    counts: Counter = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not headers and operation.path.startswith(CALLER_FREE_PATHS):
            continue
        examples = SLOW_EXAMPLES if operation.path.startswith(SLOW_PATHS) else EXAMPLES
        for mode in MODES:
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                try:
                    status = case.call(headers=headers, timeout=300).status_code
                except Exception as exc:  # noqa: BLE001  the in-process client re-raises what became a 500
                    status, cause = 500, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                else:
                    cause = ""
                counts[status // 100 * 100] += 1
                if status >= 500:
                    failures.append(f"{status} {case.method} {case.formatted_path} query={case.query} "
                                    f"body={str(case.body)[:120]} {cause}")

            try:
                run()
            except Unsatisfiable:  # an operation without parameters has no negative case
                pass
    return counts, failures


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "district-admin"])
def test_no_operation_answers_5xx(client, conn, signed_in):
    headers = {}
    if signed_in:
        add_user(conn, "fuzz-admin", "fuzz-password-1", "district_admin")
        token, _user = login(conn, "fuzz-admin", "fuzz-password-1")
        headers = {"Authorization": f"Bearer {token}"}
    counts, failures = fuzz(client.app, headers)
    print(f"\nfuzz ({'district admin' if signed_in else 'anonymous'}): "
          f"{sum(counts.values())} requests, " + ", ".join(f"{k // 100}xx: {v}" for k, v in sorted(counts.items())))
    assert sum(counts.values()) > 0
    for line in failures:
        print("  " + line)
    assert failures == [], f"{len(failures)} requests answered 5xx"
