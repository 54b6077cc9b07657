"""The chat page's server: where the page reaches Rasa, its security headers, its static files."""

from types import SimpleNamespace

from web.app import STATIC_NAME, make_app, rasa_origin, security_headers
from web.staff import StaffStore, make_engine


def request(host: str, scheme: str = "http"):
    return SimpleNamespace(host=host, scheme=scheme)


def test_the_page_reaches_rasa_on_its_own_host_or_the_configured_url():
    assert rasa_origin(request("localhost:8000"), "", "5005") == "http://localhost:5005"
    assert rasa_origin(request("192.168.1.20:8000"), "", "5005") == "http://192.168.1.20:5005"
    assert rasa_origin(request("[::1]:8000"), "", "5005") == "http://[::1]:5005"
    assert rasa_origin(request("yb.example.cn", "https"), "", "443") == "https://yb.example.cn:443"
    assert rasa_origin(request("x"), "https://chat.example.cn/rasa", "5005") == "https://chat.example.cn/rasa"


def test_a_forged_host_header_is_not_repeated_into_the_policy():
    assert rasa_origin(request("evil.example; script-src *:8000"), "", "5005") == "http://localhost:5005"
    assert rasa_origin(request("a\r\nSet-Cookie: x=1:8000"), "", "5005") == "http://localhost:5005"


def test_the_policy_allows_only_the_pages_own_script_and_rasa():
    policy = security_headers("http://localhost:5005")["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "connect-src 'self' http://localhost:5005;" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_only_the_pages_own_files_are_served():
    assert STATIC_NAME.match("chat.js") and STATIC_NAME.match("chat.css")
    for name in ("../app.py", "chat.html", ".env", "chat.js/../../x", "CHAT.JS"):
        assert not STATIC_NAME.match(name)
    assert make_app(rasa_port="5999", store=StaffStore(make_engine("sqlite://"))).name == "yibao_web"
