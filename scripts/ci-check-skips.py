#!/usr/bin/env python3
"""Fail CI when pytest ran no tests, or skipped or xfailed any: a skip must never make CI green.

Usage: ci-check-skips.py JUNIT_XML

Reads the JUnit XML that ``pytest --junitxml`` writes. pytest reports both skips and xfails as a
``<skipped>`` element inside the test case (xfails with ``type="pytest.xfail"``). Exit status:
0 when at least one test ran and none was skipped or xfailed, 1 otherwise, 2 when the report is
missing or unreadable. Standard library only, so it runs before (or without) the project venv.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

PREFIX = ".ci/run:"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} JUNIT_XML", file=sys.stderr)
        return 2
    report = Path(argv[1])
    if not report.is_file() or report.stat().st_size == 0:
        print(f"{PREFIX} pytest wrote no JUnit report ({report}): the tests did not run.")
        return 2
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError as error:
        print(f"{PREFIX} cannot read the JUnit report {report}: {error}")
        return 2

    cases = list(root.iter("testcase"))
    skipped: list[tuple[str, str, str]] = []
    for case in cases:
        for element in case.findall("skipped"):
            kind = "xfailed" if element.get("type") == "pytest.xfail" else "skipped"
            test_id = "::".join(part for part in (case.get("classname"), case.get("name")) if part)
            skipped.append((kind, test_id, element.get("message") or ""))

    if not cases:
        print(f"{PREFIX} FAILED: no tests ran (pytest collected nothing; exit status 5).")
        return 1
    if skipped:
        print(
            f"{PREFIX} FAILED: {len(skipped)} of {len(cases)} tests were skipped or xfailed, "
            "and CI allows neither. Fix the cause instead:"
        )
        for kind, test_id, message in skipped:
            print(f"{PREFIX}   {kind}: {test_id}" + (f" ({message})" if message else ""))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
