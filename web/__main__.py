"""``python -m web serve [--host H] [--port P]``: the residents' chat page on :8000."""

from __future__ import annotations

import argparse
import logging
import os

from web.app import make_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m web")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the residents' chat page")
    serve.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    make_app().run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
