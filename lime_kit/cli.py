"""The ``lime-kit`` command line: ``lime-kit demo tabular [--out FOLDER]``."""

from __future__ import annotations

import argparse
import sys

from lime_kit.demos import DEMOS, run_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lime-kit", description="Explain single predictions of any model.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="explain one prediction on bundled data and write PNG + HTML")
    demo.add_argument("modality", choices=sorted(DEMOS))
    demo.add_argument("--out", default="lime_kit_output", help="folder to write into (default: %(default)s)")
    args = parser.parse_args(argv)
    paths = run_demo(args.modality, args.out)
    print(f"wrote {len(paths)} files into {paths[0].parent.resolve()}:")
    for path in paths:
        print(f"  {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
