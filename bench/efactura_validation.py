"""e-Factura validation benchmark (issue 5): milliseconds per document for the XSD and the schematron.

Run by hand (not part of the test suite); it needs no database:

    .venv/bin/python bench/efactura_validation.py                       # ~200 documents
    .venv/bin/python bench/efactura_validation.py --documents 1000
    EFACTURA_VALIDATION_DIR=/srv/efactura .venv/bin/python bench/efactura_validation.py

It validates ANAF's sample invoices (<EFACTURA_VALIDATION_DIR>/samples/*.xml, the negative
example included), repeated round-robin up to --documents, with the artifacts from
EFACTURA_VALIDATION_DIR (the test settings default to ../shared/efactura). One validation of
each kind runs first and is not timed: loading the XSD (~0.1 s) and compiling the CIUS-RO
stylesheet (~0.5 s) happen once per process, so the figures are warm.

Each document is timed in the stages praho.efactura.ubl.validation runs:
  parse       lxml parses the bytes (safe parser: no DTD, entities or network)
  xsd         the UBL 2.1 schema (lxml XMLSchema)
  schematron  the CIUS-RO 1.0.9 XSLT under Saxon: hand the tree to Saxon, transform, read the SVRL
  total       validate_xml() end to end, timed in a separate pass
Targets (issue 5): XSD <= 2 ms, schematron <= 30 ms per document, warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "praho.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402

from praho.efactura.ubl import validation  # noqa: E402

TARGETS_MS = {"xsd": 2.0, "schematron": 30.0}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=200, help="documents to validate (default 200)")
    args = parser.parse_args()

    directory = Path(settings.EFACTURA_VALIDATION_DIR or "").expanduser()
    samples = sorted((directory / "samples").glob("*.xml")) if settings.EFACTURA_VALIDATION_DIR else []
    if not samples:
        sys.exit(f"No samples under {directory / 'samples'}; set EFACTURA_VALIDATION_DIR (README).")
    documents = [samples[i % len(samples)].read_bytes() for i in range(args.documents)]
    stylesheet = directory / "cius-ro" / validation.CIUS_RO_VERSION / "xslt" / validation.RULES_STYLESHEET

    started = time.perf_counter()
    for xml in dict.fromkeys(documents):  # every distinct sample once, untimed
        validation.validate_xml(xml)
    warm_up = time.perf_counter() - started
    print(f"Warm-up (XSD load, stylesheet compile, {len(samples)} samples): {warm_up:.2f} s")
    rules = validation._compiled_rules(stylesheet)

    times: dict[str, list[float]] = {"parse": [], "xsd": [], "schematron": [], "total": []}
    verdicts: dict[str, int] = {}
    for xml in documents:
        parsed = timed(times["parse"], validation._parse, xml)
        assert not isinstance(parsed, validation.ValidationResult), "samples are well-formed UBL"
        tree, kind = parsed
        schema = validation._schema(directory / "ubl21" / "xsd" / "maindoc" / kind.schema)
        assert timed(times["xsd"], schema.schema.validate, tree), "ANAF's samples pass the XSD"
        timed(times["schematron"], schematron, rules, tree)
    for xml in documents:
        result = timed(times["total"], validation.validate_xml, xml)
        verdicts[result.state] = verdicts.get(result.state, 0) + 1

    print(f"{args.documents} documents ({len(samples)} samples, {verdicts}), ms per document, warm:")
    print(f"  {'stage':<11} {'median':>7} {'mean':>7} {'p95':>7} {'max':>7}  target")
    for stage, values in times.items():
        ms = sorted(value * 1000 for value in values)
        target = f"<= {TARGETS_MS[stage]:g} ms" if stage in TARGETS_MS else ""
        p95 = ms[int(len(ms) * 0.95) - 1]
        median, mean = statistics.median(ms), statistics.fmean(ms)
        print(f"  {stage:<11} {median:7.2f} {mean:7.2f} {p95:7.2f} {ms[-1]:7.2f}  {target}")


def schematron(rules: Any, tree: Any) -> tuple[validation.Failure, ...]:
    return validation._svrl_failures(validation._run_rules(rules, tree))


def timed(into: list[float], function: Callable[..., Any], *args: Any) -> Any:
    started = time.perf_counter()
    result = function(*args)
    into.append(time.perf_counter() - started)
    return result


if __name__ == "__main__":
    main()
