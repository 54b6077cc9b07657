"""An action server that is down, slow or failing: the user is told 稍后再试 within 2 s; a form's
rejection still passes through as a rejection."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.channels.guarded_rest  # noqa: F401  (loading the channel applies it, as in the Rasa server)
from bot import action_fallback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_against(handler, port: int):
    """Run ``action_answer_kb`` against a server answering with ``handler`` (None: nothing listens)."""
    runner = None
    if handler is not None:
        app = web.Application()
        app.router.add_post("/webhook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        action = RemoteAction("action_answer_kb", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        tracker = DialogueStateTracker("u1", [])
        started = time.perf_counter()
        events = await action.run(CollectingOutputChannel(), None, tracker, Domain.empty())
        return events, time.perf_counter() - started
    finally:
        if runner is not None:
            await runner.cleanup()


def retry_later(events) -> bool:
    return [e.text for e in events if isinstance(e, BotUttered)] == [action_fallback.RETRY_LATER]


def test_loading_the_channel_applies_it():
    assert RemoteAction.run is action_fallback._run_or_retry_later


def test_a_server_that_is_down_gets_the_user_a_retry_later_at_once():
    events, seconds = asyncio.run(run_against(None, free_port()))
    assert retry_later(events) and seconds < 2


def test_a_slow_server_gets_the_user_a_retry_later_within_two_seconds():
    async def slow(request):
        await asyncio.sleep(5)
        return web.json_response({"events": [], "responses": [{"text": "太晚了"}]})

    events, seconds = asyncio.run(run_against(slow, free_port()))
    assert retry_later(events) and action_fallback.ACTION_TIMEOUT_SECONDS <= seconds < 2


def test_a_failing_server_gets_the_user_a_retry_later():
    async def failing(request):
        return web.json_response({"error": "boom"}, status=500)

    events, _ = asyncio.run(run_against(failing, free_port()))
    assert retry_later(events)


def test_an_answer_in_time_is_the_answer():
    async def fine(request):
        return web.json_response({"events": [], "responses": [{"text": "生育津贴材料如下"}]})

    events, _ = asyncio.run(run_against(fine, free_port()))
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["生育津贴材料如下"]


def test_a_forms_rejection_is_still_a_rejection():
    async def rejecting(request):
        return web.json_response({"action_name": "action_answer_kb", "error": "not this"}, status=400)

    with pytest.raises(ActionExecutionRejection):
        asyncio.run(run_against(rejecting, free_port()))
