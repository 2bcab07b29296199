"""radchallenge scoring core: pure numpy, no Django.

Public API (stable, used by the platform's Celery jobs and the offline CLI)::

    evaluate(metric, truth, predictions) -> Evaluation       # one submission
    ranking.rank(metric, truth, teams, ...) -> dict           # several teams, bootstrap
    ranking.rank_files(metric, truth, {team: path}, ...) -> dict
    SubmissionInvalid / InvalidTruth (.problems: list[Problem(where, message)])
"""

from scoring.errors import InvalidTruth, Problem, ScoringError, SubmissionInvalid
from scoring.evaluate import METRICS, Evaluation, evaluate

__all__ = [
    "METRICS",
    "Evaluation",
    "InvalidTruth",
    "Problem",
    "ScoringError",
    "SubmissionInvalid",
    "evaluate",
]
