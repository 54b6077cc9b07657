"""The web app's command line.

``python -m web serve [--host H] [--port P]``       the residents' chat page and the staff console on :8000
``python -m web users add NAME --role ROLE``        a staff account (password read from stdin)
``python -m web users list``                        the accounts (no passwords)
``python -m web users demo``                        demo accounts when none exist (passwords to a git-ignored file)
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

DEMO_FILE = Path(os.environ.get("STAFF_DEMO_FILE") or Path(__file__).resolve().parent / "generated" / "demo-accounts.txt")


def _users(args: argparse.Namespace) -> int:
    from web.staff import ROLES, AccountError, StaffStore, create_demo_accounts

    store = StaffStore()
    if args.action == "list":
        for name, role, disabled, created in store.users():
            print(f"{name}\t{role}\t{'停用' if disabled else '启用'}\t{created:%Y-%m-%d %H:%M}")
        return 0
    if args.action == "demo":
        if create_demo_accounts(store, DEMO_FILE):
            print(f"演示账号已创建，密码见 {DEMO_FILE}")
        else:
            print(f"已有员工账号，未创建演示账号（演示账号密码见 {DEMO_FILE}，若存在）")
        return 0
    if not args.name or not args.role:
        print(f"用法：python -m web users add NAME --role {{{','.join(ROLES)}}}（密码从标准输入读取）", file=sys.stderr)
        return 2
    password = getpass.getpass("密码：") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    try:
        store.add_user(args.name, args.role, password)
    except AccountError as err:
        print(str(err), file=sys.stderr)
        return 2
    print(f"已创建 {args.name}（{args.role}）")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the chat page and the staff console")
    serve.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    users = sub.add_parser("users", help="staff accounts")
    users.add_argument("action", choices=("add", "list", "demo"))
    users.add_argument("name", nargs="?")
    users.add_argument("--role")
    args = parser.parse_args(argv)
    if args.command == "users":
        return _users(args)
    from web.app import make_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    make_app().run(host=args.host, port=args.port, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
