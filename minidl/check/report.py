"""A check's results as a file for graders: JUnit XML (``.xml``) or JSON (anything else)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path


def write(report, path: str | Path) -> None:
    """Write ``report`` (a ``minidl.check.Report``) to ``path``; JUnit XML if it ends in ``.xml``."""
    path = Path(path)
    if path.suffix.lower() != ".xml":
        path.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    failures = sum(not r.passed for r in report)
    suite = ET.Element("testsuite", name="minidl.check", tests=str(len(report)), failures=str(failures))
    for r in report:
        case = ET.SubElement(suite, "testcase", classname="minidl.check", name=r.name)
        ET.SubElement(case, "properties").append(ET.Element("property", name="points", value=str(r.max_points)))
        if r.passed:
            ET.SubElement(case, "system-out").text = r.message
        else:
            ET.SubElement(case, "failure", message=r.message).text = r.message
    root = ET.Element("testsuites", tests=str(len(report)), failures=str(failures))
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
