"""Contract fuzzing of the endpoints the specs name, with schemathesis' own engine.

    plan = plan_fuzz(load_specs(paths), PlanOptions(Credentials.from_env(), variables))
    result = run_fuzz(plan, FuzzSettings(url, credentials), progress=print)   # loadspec.fuzz.engine

Planning (`plan`, `pins`, `document`; credentials are `loadspec.inputs.credentials`) and
reporting (`results`, `report`, `junit`) never import schemathesis; `engine` and `collect`
do. Only this package imports it, and nothing here imports locust: importing requests
before locust's gevent patching breaks it.
"""

from __future__ import annotations

from loadspec.fuzz.pins import Pins
from loadspec.fuzz.plan import ContractPlan, Excluded, FuzzPlan, FuzzTarget, PlanOptions, plan_fuzz
from loadspec.fuzz.results import ContractResult, Finding, FuzzResult, OperationResult, Outcome
from loadspec.inputs.credentials import Credentials, token_env
from loadspec.inputs.masking import Masker

__all__ = [
    "ContractPlan",
    "ContractResult",
    "Credentials",
    "Excluded",
    "Finding",
    "FuzzPlan",
    "FuzzResult",
    "FuzzTarget",
    "Masker",
    "OperationResult",
    "Outcome",
    "Pins",
    "PlanOptions",
    "plan_fuzz",
    "token_env",
]
