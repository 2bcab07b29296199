"""Offline scoring, exactly as the platform scores (see scoring/README.md).

    python -m scoring --metric {auroc,cindex,lymph-node} --truth PATH --predictions PATH [--json]
    python -m scoring rank --metric ... --truth PATH [--samples N] [--seed N] [--json] TEAM=PATH...

Exit status: 0 scored, 1 the submission is invalid, 2 bad command line, 3 the ground
truth is invalid, 4 an internal error. Problems are listed on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scoring import ranking
from scoring.errors import InvalidTruth, ScoringError
from scoring.evaluate import METRICS, _plain, evaluate

EXIT_INVALID, EXIT_USAGE, EXIT_TRUTH, EXIT_INTERNAL = 1, 2, 3, 4


def _score_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring", description="Score one submission offline."
    )
    parser.add_argument("--metric", required=True, choices=METRICS)
    parser.add_argument(
        "--truth", required=True, type=Path, help="truth CSV, or zip/folder of masks"
    )
    parser.add_argument(
        "--predictions", required=True, type=Path, help="predictions CSV or zip of masks"
    )
    parser.add_argument(
        "--json", action="store_true", help="end with one JSON line holding 'score'"
    )
    return parser


def _rank_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring rank", description="Rank teams with a bootstrap."
    )
    parser.add_argument("--metric", required=True, choices=METRICS)
    parser.add_argument("--truth", required=True, type=Path)
    parser.add_argument(
        "--samples", type=int, default=ranking.MIN_SAMPLES, help="bootstrap samples (>= 1000)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (drawn and reported if omitted)"
    )
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument(
        "--json", action="store_true", help="end with one JSON line of the full result"
    )
    parser.add_argument("teams", nargs="+", metavar="TEAM=PATH")
    return parser


def _teams(parser: argparse.ArgumentParser, specs: list[str]) -> dict[str, Path]:
    teams: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            parser.error(f"{spec!r} is not TEAM=PATH")
        if name in teams:
            parser.error(f"team {name!r} is given twice")
        teams[name] = Path(path)
    return teams


def _print_evaluation(result: dict) -> None:
    print(f"metric: {result['metric']}")
    print(f"score: {result['score']:.6f}")
    for key, value in result["secondary"].items():
        if isinstance(value, int | float | str) or value is None:
            print(f"{key}: {value:.6g}" if isinstance(value, float) else f"{key}: {value}")
    if result["secondary"].get("confusion_matrix"):
        print("confusion matrix (rows: truth A-E, columns: prediction A-E):")
        for row in result["secondary"]["confusion_matrix"]:
            print("  " + " ".join(f"{n:5d}" for n in row))


def _tau_text(tau: dict) -> str:
    # tau is undefined (None) when every team ties in the official or the bootstrap rankings.
    if any(tau.get(k) is None for k in ("median", "low", "high")):
        return "undefined (teams tie)"
    return f"median {tau['median']:.3f} [{tau['low']:.3f}, {tau['high']:.3f}]"


def _print_ranking(result: dict) -> None:
    width = max(4, *(len(t["team"]) for t in result["teams"]))
    print(
        f"{'rank':>4}  {'team':<{width}}  {'score':>8}  {'95% CI':^19}  {'P(first)':>8}  {'mean rank':>9}"
    )
    for t in result["teams"]:
        ci = f"[{t['ci_low']:.4f}, {t['ci_high']:.4f}]"
        print(
            f"{t['rank']:>4}  {t['team']:<{width}}  {t['score']:8.4f}  {ci:^19}  "
            f"{t['p_first']:8.3f}  {t['mean_rank']:9.2f}"
        )
    print(f"Kendall's tau, official vs bootstrap rankings: {_tau_text(result['kendall_tau'])}")
    print(f"Significant differences (paired bootstrap, Holm, alpha {result['alpha']}):")
    significant = [p for p in result["pairwise"] if p["significant"]]
    for p in significant:
        extra = f", Wilcoxon p={p['p_wilcoxon_holm']:.3g}" if "p_wilcoxon_holm" in p else ""
        print(
            f"  {p['better']} > {p['worse']}: {p['difference']:+.4f} (p={p['p_bootstrap_holm']:.3g}{extra})"
        )
    if not significant:
        print("  none")
    print(
        f"{result['n_boot']} samples stratified by {result['stratified_by']}, seed {result['seed']}"
    )


def _fail(error: ScoringError, as_json: bool) -> int:
    print(f"The {error.kind} is invalid: {len(error.problems)} problem(s)", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)
    if as_json:
        print(json.dumps(error.to_dict()))
    return EXIT_TRUTH if isinstance(error, InvalidTruth) else EXIT_INVALID


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ranking_mode = bool(argv) and argv[0] == "rank"
    parser = _rank_parser() if ranking_mode else _score_parser()
    try:
        args = parser.parse_args(argv[1:] if ranking_mode else argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else 0
    try:
        if ranking_mode:
            teams = _teams(parser, args.teams)
            options = {"n_boot": args.samples, "seed": args.seed, "alpha": args.alpha}
            result = _plain(ranking.rank_files(args.metric, args.truth, teams, **options))
            show = _print_ranking
        else:
            result = evaluate(args.metric, args.truth, args.predictions).to_dict()
            show = _print_evaluation
    except SystemExit as exit_:  # parser.error() in _teams
        return EXIT_USAGE if exit_.code else 0
    except ScoringError as error:
        return _fail(error, args.json)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # the promise is a message, never a traceback
        print(f"internal error while scoring ({type(error).__name__}: {error})", file=sys.stderr)
        return EXIT_INTERNAL
    show(result)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
