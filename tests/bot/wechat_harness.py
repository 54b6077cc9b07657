"""The real WeChat channel served over HTTP in front of a scripted bot, for the channel's own tests.

``python -m tests.bot.wechat_harness --port N`` (settings from the WECHAT_* environment) mounts the
channel's blueprint at /webhooks/wechat exactly as Rasa does. The scripted bot stands in for Rasa so
that timing can be controlled (the conversation tests with the real Rasa are in tests/e2e/). What it
was given is listed at ``GET /seen``, so a test can tell how often the bot ran.

The bot: "慢 S" answers after S seconds; "长 N" answers with N lines; "选地区" offers two buttons;
"出错" raises; "/greet" and a button payload get their own answer; anything else is echoed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import List

from bot.channels.wechat import WeChatInput
from rasa.core.channels.channel import UserMessage
from sanic import Sanic, response

REGION_BUTTONS = [
    {"title": "郴州市", "payload": '/inform{"region": "chenzhou"}'},
    {"title": "云南省", "payload": '/inform{"region": "yunnan"}'},
]


def make_app() -> Sanic:
    app = Sanic("wechat_harness")
    seen: List[str] = []
    channel = WeChatInput()

    async def bot(message: UserMessage) -> None:
        text = message.text or ""
        seen.append(text)
        out = message.output_channel
        if text.startswith("慢"):
            await asyncio.sleep(float(text[1:].strip() or "6"))
            await out.send_text_message(message.sender_id, "慢的回答到了。")
        elif text.startswith("长"):
            lines = [f"第{i}行：带齐身份证件和申请表，到参保地经办窗口办理。" for i in range(1, int(text[1:].strip() or "100") + 1)]
            await out.send_text_message(message.sender_id, "\n".join(lines))
        elif text == "选地区":
            await out.send_text_message(message.sender_id, "请问您在哪个地区办理？")
            await out.send_response(message.sender_id, {"text": "可选：", "buttons": REGION_BUTTONS})
        elif text == "出错":
            raise RuntimeError("scripted failure")
        elif text == "/greet":
            await out.send_text_message(message.sender_id, "您好！我是医保办事助手。")
        elif text.startswith("/"):
            await out.send_text_message(message.sender_id, "已选择：" + text)
        else:
            await out.send_text_message(message.sender_id, "收到：" + text)

    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/wechat")

    @app.get("/seen")
    async def seen_route(request):
        return response.json(seen)

    @app.get("/ready")
    async def ready(request):
        return response.text("ok")

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    make_app().run(host="127.0.0.1", port=args.port, access_log=False)
