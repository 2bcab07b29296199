"""Problems found in a submission or a ground truth, reported all together."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One fault: ``where`` names the row, column, exam id or file; ``message`` says what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class ScoringError(Exception):
    """Base class: carries every problem found, never a single first one."""

    kind = "input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the {self.kind}: {shown}{more}")

    def to_dict(self) -> dict[str, object]:
        return {"valid": False, "kind": self.kind, "problems": [p.to_dict() for p in self.problems]}


class SubmissionInvalid(ScoringError):
    """The team's predictions cannot be scored; nothing was scored."""

    kind = "submission"


class InvalidTruth(ScoringError):
    """The ground truth itself is faulty (an organizer's problem, not the team's)."""

    kind = "ground truth"


def shown(value: str, limit: int = 40) -> str:
    """Quote a user-supplied cell for a message, cut short so a message stays one line."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)
