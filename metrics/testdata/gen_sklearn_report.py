#!/usr/bin/python3
"""Writes sklearn_report.json: scikit-learn's classification_report text for
the label sets of sklearn_classification.json, plus a named-class case.

Run with Debian's Python (python3-sklearn 1.2.1):
    /usr/bin/python3 metrics/testdata/gen_sklearn_report.py
CI never runs this; the output is committed.
"""
import json
import os

import sklearn
from sklearn.metrics import classification_report

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "sklearn_classification.json")) as f:
    src = json.load(f)

cases = []
for c in src["cases"]:
    for digits in (2, 4):
        cases.append({
            "id": f"{c['id']}-digits{digits}",
            "y_true": c["y_true"],
            "y_pred": c["y_pred"],
            "digits": digits,
            "names": None,
            "report": classification_report(c["y_true"], c["y_pred"], digits=digits, zero_division=0),
        })
names = ["négatif", "a rather long positive class name"]
c = src["cases"][0]
cases.append({
    "id": "binary-named",
    "y_true": c["y_true"],
    "y_pred": c["y_pred"],
    "digits": 3,
    "names": names,
    "report": classification_report(c["y_true"], c["y_pred"], digits=3, target_names=names, zero_division=0),
})
out = {
    "tool": "scikit-learn sklearn.metrics.classification_report",
    "version": sklearn.__version__,
    "generator": "gen_sklearn_report.py (label sets of sklearn_classification.json)",
    "options": "zero_division=0; digits as given; target_names as given",
    "cases": cases,
}
with open(os.path.join(here, "sklearn_report.json"), "w") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
