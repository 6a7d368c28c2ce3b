"""A small OpenAI-compatible server for tests: /v1/models and /v1/chat/completions from a model dir via HFRuntime.

Usage: python openai_server.py MODEL_DIR [--api-key KEY]; prints its port on the first line of stdout.
POST /_control {"fail_next": N, "delay_s": S} makes the next N chat requests answer 503 and every chat
request wait S seconds first, so retry and timeout handling meet real sockets.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from workers.runtime.base import GenerationSettings, Message, RuntimeOptions
from workers.runtime.hf import HFRuntime

STATE: dict[str, Any] = {"fail_next": 0, "delay_s": 0.0, "chat_requests": 0}
LOCK = threading.Lock()


def make_handler(runtime: HFRuntime, name: str, api_key: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read stdout
            return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if api_key and self.headers.get("Authorization") != f"Bearer {api_key}":
                self._send(401, {"error": {"message": "bad key"}})
                return False
            return True

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path.rstrip("/") == "/v1/models":
                self._send(
                    200, {"object": "list", "data": [{"id": name, "object": "model", "root": name}]}
                )
            elif self.path == "/_state":
                self._send(200, dict(STATE))
            else:
                self._send(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            body = json.loads(
                self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}"
            )
            if self.path == "/_control":
                with LOCK:
                    STATE.update(body)
                self._send(200, dict(STATE))
                return
            if not self._authorised():
                return
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            with LOCK:
                STATE["chat_requests"] += 1
                failing = STATE["fail_next"] > 0
                if failing:
                    STATE["fail_next"] -= 1
                delay = float(STATE["delay_s"])
            if failing:
                self._send(503, {"error": {"message": "overloaded, try again"}})
                return
            time.sleep(delay)
            if body.get("model") != name:
                self._send(404, {"error": {"message": f"model {body.get('model')!r} not served"}})
                return
            prompt = tuple(Message(m["role"], m["content"]) for m in body["messages"])
            settings = GenerationSettings(
                max_new_tokens=int(body.get("max_tokens", 16)),
                temperature=float(body.get("temperature", 0)),
                top_p=float(body.get("top_p", 1.0)),
                seed=int(body.get("seed", 0)),
                stop=tuple(body.get("stop") or ()),
            )
            with LOCK:  # one generate at a time: the runtime is single-threaded
                completion = runtime.generate([prompt], settings).completions[0]
            self._send(
                200,
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": name,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": completion.text},
                            "finish_reason": "length"
                            if completion.finish_reason == "length"
                            else "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": completion.prompt_tokens,
                        "completion_tokens": completion.completion_tokens,
                        "total_tokens": completion.prompt_tokens + completion.completion_tokens,
                    },
                },
            )

    return Handler


def main(argv: list[str]) -> None:
    model_dir = argv[0]
    api_key = argv[argv.index("--api-key") + 1] if "--api-key" in argv else ""
    runtime = HFRuntime(RuntimeOptions(model=model_dir, device="cpu"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(runtime, "tiny-chat", api_key))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
