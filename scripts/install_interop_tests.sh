#!/bin/sh
# Installs the other tools' code the label-format tests use (see pyproject.toml, extra "interop-tests") into the
# project's venv without their GUI stacks or a second OpenCV: BORIS's project functions run with PyQt5 stubbed
# (tests/core_model/interop_tools.py), datumaro's CVAT reader needs only the packages below.
set -e
PY=${PY:-.venv/bin/python}
"$PY" -m pip install --no-deps "boris-behav-obs==8.27.4" "tablib==3.10.0" "pympi-ling==1.71" "datumaro==1.12.0" \
  defusedxml lxml orjson ruamel.yaml json-stream json-stream-rs-tokenizer imagesize pycocotools shapely \
  "pandas==2.2.3" pytz tzdata
