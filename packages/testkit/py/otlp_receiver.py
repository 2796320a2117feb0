"""OTLP/HTTP test receiver that decodes with the official protobuf classes.

Usage: otlp_receiver.py [PORT] [--out FILE]   (PORT 0 or absent: any free port)

Binds 127.0.0.1 and prints `otlp_receiver listening on 127.0.0.1:<port>` once ready.

- POST /v1/metrics, /v1/traces: protobuf (application/x-protobuf) or OTLP/JSON (application/json),
  optionally gzip (Content-Encoding), Content-Length or chunked. Decoded with the generated classes
  of the PyPI package opentelemetry-proto; JSON through google.protobuf.json_format.Parse after
  the OTLP/JSON hex ids are turned into the base64 that proto3 JSON expects
  (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). A body that does not decode
  is answered 400 and recorded with its error.
- Every request is recorded as one JSON object: path, content_type, content_encoding, headers
  (lowercased names), status
  (what was answered), retry_after, received_at_ms, and body = MessageToDict(...,
  preserving_proto_field_name=True) with trace_id / span_id / parent_span_id rendered as lowercase
  hex (MessageToDict would give base64), so protobuf and JSON requests compare equal.
- GET /received: the list of recorded requests. POST /reset: forget them and the script.
- POST /control: a JSON list of responses to give next, in order, each
  {"status": 503, "retry_after": "2", "delay_ms": 0,
   "partial_success": {"rejected_data_points": 3, "error_message": "..."}}.
  Without a scripted response the answer is 200 with an empty Export*ServiceResponse in the
  request's encoding. Non-2xx answers carry a google.rpc.Status body (code 14 / message).
"""

import base64
import binascii
import gzip
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

SIGNALS = {
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse),
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse),
}
ID_KEYS = {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
ID_LENGTHS = {"traceId": 16, "trace_id": 16, "spanId": 8, "span_id": 8, "parentSpanId": 8, "parent_span_id": 8}

lock = threading.Lock()
received = []
script = []
out_file = None


class DecodeError(Exception):
    pass


def hex_ids_to_base64(node):
    """OTLP/JSON ids are hex; proto3 JSON bytes are base64. Strict: wrong length or non-hex fails."""
    if isinstance(node, dict):
        for k, v in list(node.items()):
            if k in ID_KEYS and isinstance(v, str):
                if v == "":
                    continue
                try:
                    raw = bytes.fromhex(v)
                except ValueError:
                    raise DecodeError(f"{k} is not hex: {v!r}")
                if len(raw) != ID_LENGTHS[k] or len(v) != 2 * ID_LENGTHS[k]:
                    raise DecodeError(f"{k} must be {ID_LENGTHS[k]} bytes of hex, got {v!r}")
                node[k] = base64.b64encode(raw).decode("ascii")
            else:
                hex_ids_to_base64(v)
    elif isinstance(node, list):
        for v in node:
            hex_ids_to_base64(v)


def base64_ids_to_hex(node):
    if isinstance(node, dict):
        for k, v in list(node.items()):
            if k in ID_KEYS and isinstance(v, str):
                node[k] = binascii.hexlify(base64.b64decode(v)).decode("ascii")
            else:
                base64_ids_to_hex(v)
    elif isinstance(node, list):
        for v in node:
            base64_ids_to_hex(v)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def rpc_status(code, message, as_json):
    if as_json:
        return json.dumps({"code": code, "message": message}).encode()
    m = message.encode()
    return b"\x08" + varint(code) + b"\x12" + varint(len(m)) + m


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/received":
            with lock:
                body = json.dumps(received).encode()
            self.reply(200, body)
        elif self.path == "/health":
            self.reply(200, b'"ok"')
        else:
            self.reply(404, b'"not found"')

    def do_POST(self):
        raw = self.read_body()
        if self.path == "/control":
            with lock:
                script.extend(json.loads(raw or b"[]"))
            self.reply(200, b'"ok"')
            return
        if self.path == "/reset":
            with lock:
                received.clear()
                script.clear()
            self.reply(200, b'"ok"')
            return
        if self.path not in SIGNALS:
            self.reply(404, b'"unknown path"')
            return
        request_cls, response_cls = SIGNALS[self.path]
        content_type = self.headers.get("Content-Type", "")
        encoding = self.headers.get("Content-Encoding", "")
        as_json = content_type.split(";")[0].strip() == "application/json"
        record = {
            "path": self.path,
            "content_type": content_type,
            "content_encoding": encoding,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "received_at_ms": int(time.time() * 1000),
        }
        try:
            data = gzip.decompress(raw) if encoding == "gzip" else raw
            if encoding not in ("", "gzip", "identity"):
                raise DecodeError(f"unsupported Content-Encoding {encoding!r}")
            if as_json:
                obj = json.loads(data)
                hex_ids_to_base64(obj)
                msg = json_format.Parse(json.dumps(obj), request_cls())
            elif content_type.split(";")[0].strip() == "application/x-protobuf":
                msg = request_cls.FromString(data)
            else:
                raise DecodeError(f"unsupported Content-Type {content_type!r}")
            body = json_format.MessageToDict(msg, preserving_proto_field_name=True)
            base64_ids_to_hex(body)
            record["body"] = body
        except Exception as e:  # noqa: BLE001 - every decoding failure is a 400 the test must see
            record["status"] = 400
            record["error"] = f"{type(e).__name__}: {e}"
            self.remember(record)
            self.reply(400, rpc_status(3, record["error"], as_json),
                       "application/json" if as_json else "application/x-protobuf")
            return

        with lock:
            step = script.pop(0) if script else {}
        status = int(step.get("status", 200))
        record["status"] = status
        if step.get("retry_after") is not None:
            record["retry_after"] = str(step["retry_after"])
        self.remember(record)
        if step.get("delay_ms"):
            time.sleep(step["delay_ms"] / 1000.0)
        headers = {}
        if step.get("retry_after") is not None:
            headers["Retry-After"] = str(step["retry_after"])
        ctype = "application/json" if as_json else "application/x-protobuf"
        if 200 <= status < 300:
            resp = response_cls()
            ps = step.get("partial_success")
            if ps:
                resp.partial_success.error_message = ps.get("error_message", "")
                if self.path == "/v1/metrics":
                    resp.partial_success.rejected_data_points = int(ps.get("rejected_data_points", 0))
                else:
                    resp.partial_success.rejected_spans = int(ps.get("rejected_spans", 0))
            payload = json_format.MessageToJson(resp).encode() if as_json else resp.SerializeToString()
            self.reply(status, payload, ctype, headers)
        else:
            self.reply(status, rpc_status(14, step.get("message", f"scripted {status}"), as_json), ctype, headers)

    def remember(self, record):
        with lock:
            received.append(record)
            if out_file is not None:
                with open(out_file, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")


def main(argv):
    global out_file
    port = 0
    args = list(argv)
    if "--out" in args:
        i = args.index("--out")
        out_file = args[i + 1]
        del args[i:i + 2]
    if args:
        port = int(args[0])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"otlp_receiver listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
