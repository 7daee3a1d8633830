"""A LiveMinutes API of the tests' own on a loopback port, answering with seed 002's example
responses byte for byte (JSON-escaped URLs, statuses as strings). It checks HTTP Basic auth with
the seed's example AccountSid/AuthToken (anything else: resultcode 0, as 002 says) and records
every call, so tests can see what was sent."""

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

ACCOUNT_SID = "trw76p0066423"
AUTH_TOKEN = "eurn568nfkkg9862iomdnnv987iir"
EXAMPLES = {  # 002 § Methods, each method's example response
    "createMeeting": '{\n"resultcode":1,\n"meetingKey":"kjhgngf",\n"meetingUrl":"http:\\/\\/liveminutes.com\\/03P23Z",'
    '\n"hostUrl":"http:\\/\\/liveminutes.com\\/e\\/LIVEXP63FCLCRJW4GHT1X7O6"\n}',
    "addParticipant": '{\n"resultcode":1,\n"meetingKey":"abcdef",\n'
    '"participantUrl":"http:\\/\\/liveminutes.com\\/e\\/LIVE5CGOSIHYSBEPON0GCGFX"\n}',
    "getParticipantUrl": '{\n"resultcode":1,\n'
    '"participantUrl":"http:\\/\\/liveminutes.com\\/e\\/LIVESFK4G5ZJN4U6S0R4R8YX"\n}',
    "getMeetingUrl": '{\n"resultcode":1,"meetingUrl":"http:\\/\\/liveminutes.com\\/MNADI4"\n}',
    "cancelMeeting": '{\n"resultcode":1,"meetingKey":"abcdef"\n}',
    "cancelParticipant": '{\n"resultcode":1,"meetingKey":"abcdef"\n}',
    "getMeetingStatus": '{\n"resultcode":1,"status":"%s"\n}',
    "getParticipantStatus": '{\n"resultcode":1,"status":"%s"\n}',
}
REQUIRED = {
    "createMeeting": ("meetingKey", "hostid"),
    "addParticipant": ("meetingKey", "puid"),
    "getParticipantUrl": ("meetingKey", "puid"),
    "getMeetingUrl": ("meetingKey",),
    "cancelMeeting": ("meetingKey",),
    "cancelParticipant": ("meetingKey", "puid"),
    "getMeetingStatus": ("meetingKey",),
    "getParticipantStatus": ("meetingKey", "puid"),
}
FAILED = '{"resultcode":0}'


@dataclass
class LiveMinutesServer:
    url: str = ""
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)  # methods answered with resultcode 0
    status: str = "1"  # what getMeetingStatus answers
    participant_status: str = "2"  # what getParticipantStatus answers
    together: threading.Barrier | None = None  # when set, each call waits for this many in flight

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def answer(self, method: str, authorization: str, fields: dict[str, str]) -> str:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        self.calls.append((method, fields))
        if authorization != expected or method in self.failing or method not in EXAMPLES:
            return FAILED
        if any(fields.get(name) in (None, "") for name in REQUIRED[method] if name != "meetingKey"):
            return FAILED
        body = EXAMPLES[method]
        if method == "getParticipantStatus":
            return body % self.participant_status
        return body % self.status if "%s" in body else body


@contextmanager
def liveminutes_server() -> Iterator[LiveMinutesServer]:
    state = LiveMinutesServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            fields = dict(parse_qsl(self.rfile.read(length).decode()))
            if state.together is not None:
                try:  # a caller asking one at a time never gathers them: the barrier breaks, a refusal
                    state.together.wait(timeout=10)
                except threading.BrokenBarrierError:
                    state.failing.add("addParticipant")
            body = state.answer(self.path.strip("/"), self.headers.get("authorization", ""), fields).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
