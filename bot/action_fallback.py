"""A polite reply within 2 s when the action server is down or slow, applied with our REST channel.

Rasa waits up to five minutes for an action server (``DEFAULT_REQUEST_TIMEOUT``) and, when it fails,
logs the error and sends the user nothing. Here a custom action that does not answer within
``ACTION_TIMEOUT_SECONDS`` (default 1.5), or whose server refuses or fails, ends the turn with
:data:`RETRY_LATER`. The user's message and the conversation's slots and form stay in the tracker as
they were, so the next message goes on from there. A form's rejection (a validation saying "not
this") is no failure and passes through untouched.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, List

from rasa.core.actions import action as rasa_action
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

ACTION_TIMEOUT_SECONDS = float(os.environ.get("ACTION_TIMEOUT_SECONDS", "1.5"))
RETRY_LATER = "抱歉，系统暂时繁忙，您的消息已收到，请稍后再试。"

_original_run = rasa_action.RemoteAction.run


async def _run_or_retry_later(self: rasa_action.RemoteAction, output_channel: Any, nlg: Any, tracker: Any,
                              domain: Any) -> List[Event]:
    try:
        return await asyncio.wait_for(_original_run(self, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_SECONDS)
    except rasa_action.ActionExecutionRejection:
        raise
    except asyncio.TimeoutError:
        logger.error("action %s: no answer from the action server within %.1f s", self.name(), ACTION_TIMEOUT_SECONDS)
    except RasaException as exc:  # refused, failed or an invalid response (logged by Rasa with the cause)
        logger.error("action %s failed: %s", self.name(), exc)
    return [BotUttered(text=RETRY_LATER, metadata={"action_failed": self.name()})]


def apply() -> None:
    rasa_action.RemoteAction.run = _run_or_retry_later
