#!/usr/bin/env python3
"""listener.py PORTFILE LOG - an HTTP listener on 127.0.0.1 (a free port,
written to PORTFILE) that writes every request line to LOG: what a page
under test fetched, if anything."""
import http.server
import sys


class H(http.server.BaseHTTPRequestHandler):
    def do_any(self):
        with open(sys.argv[2], "a") as f:
            f.write(self.command + " " + self.path + "\n")
        self.send_response(204)
        self.end_headers()
    do_GET = do_POST = do_HEAD = do_OPTIONS = do_any

    def log_message(self, *a):
        pass


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
