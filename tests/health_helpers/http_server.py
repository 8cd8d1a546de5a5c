"""An HTTP service for probe tests. GET /live answers 503 while DIR/live_fail
exists, else 200; GET /ready answers 200 while DIR/ready exists, else 503."""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, state = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/live":
            code = 503 if os.path.exists(os.path.join(state, "live_fail")) else 200
        elif self.path == "/ready":
            code = 200 if os.path.exists(os.path.join(state, "ready")) else 503
        else:
            code = 404
        body = f"{code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.allow_reuse_address = True
srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"serving on {port}", flush=True)
srv.serve_forever()
